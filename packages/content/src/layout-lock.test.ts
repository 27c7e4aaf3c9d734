import { mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempRoots } from "./__fixtures__/helpers.js";
import { withLayoutLock } from "./layout-lock.js";

const roots = tempRoots();
afterEach(roots.cleanup);

async function lockPath(): Promise<string> {
  const dir = await roots.make();
  await mkdir(dir, { recursive: true });
  return join(dir, "index.json.lock");
}

/** A pid no process has: spawn-free, the highest pid Linux hands out is well below this. */
const deadPid = 4_194_303 + 1000;

describe("withLayoutLock", () => {
  it("names its holder while held and removes the lock after", async () => {
    const path = await lockPath();
    const seen = await withLayoutLock(path, new AbortController().signal, () => readFile(path, "utf8"));
    expect(seen).toBe(`${process.pid} ${hostname()}`);
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });

  it("breaks at once a fresh lock whose holder on this host is dead (an export killed with SIGKILL)", async () => {
    const path = await lockPath();
    await writeFile(path, `${deadPid} ${hostname()}`);
    const started = Date.now();
    expect(await withLayoutLock(path, new AbortController().signal, async () => "ran")).toBe("ran");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("waits for a fresh lock held by a live process, or by another host, until the signal gives up", async () => {
    for (const holder of [`${process.pid} ${hostname()}`, `${deadPid} other-host`]) {
      const path = await lockPath();
      await writeFile(path, holder);
      await expect(withLayoutLock(path, AbortSignal.timeout(300), async () => "ran")).rejects.toThrow();
      expect(await readFile(path, "utf8")).toBe(holder);
    }
  });
});
