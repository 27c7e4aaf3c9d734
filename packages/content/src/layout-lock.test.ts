import { spawn } from "node:child_process";
import { mkdir, readFile, readdir, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
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
    expect(seen).toMatch(new RegExp(`^${process.pid} ${hostname()} [0-9a-f]{16}$`));
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

  it("a holder whose lock was broken as stale and taken by another leaves the other's lock alone when its work ends", async () => {
    const path = await lockPath();
    let releaseB!: () => void;
    let bHolds!: Promise<void>;
    let b!: Promise<string>;
    await withLayoutLock(path, new AbortController().signal, async () => {
      // A froze for longer than the stale limit: B judges the lock abandoned, breaks it and takes it.
      const old = new Date(Date.now() - 10 * 60_000);
      await utimes(path, old, old);
      bHolds = new Promise<void>((resolve) => {
        b = withLayoutLock(path, AbortSignal.timeout(5_000), async () => {
          resolve();
          await new Promise<void>((done) => (releaseB = done));
          return "b ran";
        });
      });
      await bHolds;
    });
    // A's work ended: B still holds its lock, so a third export waits (and here gives up) instead of running beside B.
    const bLock = await readFile(path, "utf8");
    await expect(withLayoutLock(path, AbortSignal.timeout(300), async () => "c ran")).rejects.toThrow();
    expect(await readFile(path, "utf8")).toBe(bLock);
    releaseB();
    expect(await b).toBe("b ran");
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });

  it("a holder killed at any step of taking the lock never leaves a lock the next export must wait out", async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const child = join(here, "__fixtures__", "layout-lock-kill-child.ts");
    // Kill before each filesystem call in turn, until the child gets through them all.
    for (let killAt = 1; ; killAt++) {
      const path = await lockPath();
      const proc = spawn(process.execPath, ["--conditions=@exp/source", "--import", "tsx", child, path, String(killAt)], { cwd: dirname(here), stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      proc.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => proc.once("close", (_code, s) => resolve(s)));
      // Whatever the child left, the lock is free again at once: empty, it would stall us for a minute.
      const holder = await readFile(path, "utf8").catch(() => undefined);
      expect(holder === undefined || holder.startsWith(`${proc.pid} ${hostname()} `), `lock left at call ${killAt}: ${JSON.stringify(holder)}`).toBe(true);
      expect(await withLayoutLock(path, AbortSignal.timeout(5_000), async () => "ran")).toBe("ran");
      // And the next holder cleans up the temp file a kill between writing and linking it left.
      expect(await readdir(dirname(path)), `left at call ${killAt}`).toEqual([]);
      if (signal === null) {
        expect(out).toBe("done\n");
        break;
      }
      expect(signal).toBe("SIGKILL");
    }
  }, 60_000);
});
