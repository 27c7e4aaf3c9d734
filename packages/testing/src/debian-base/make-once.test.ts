import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../temp-dir.js";
import { makeOnce } from "./make-once.js";

const exec = promisify(execFile);
const here = fileURLToPath(new URL(".", import.meta.url));

describe("makeOnce", () => {
  let dir: TempDir;
  let n = 0;
  const fresh = () => join(dir.path, `artifact-${n++}`);
  beforeAll(async () => {
    dir = await tempDir("exp-make-once-");
  });
  afterAll(() => dir?.cleanup());

  it("makes the artifact once for concurrent callers in one process, then reuses it", async () => {
    const path = fresh();
    let calls = 0;
    const make = async (tmp: string) => {
      calls++;
      await new Promise((r) => setTimeout(r, 50));
      await writeFile(tmp, "done");
    };
    const results = await Promise.all([makeOnce(path, make), makeOnce(path, make), makeOnce(path, make)]);
    expect(results).toEqual([path, path, path]);
    expect(await makeOnce(path, make)).toBe(path);
    expect(calls).toBe(1);
    expect(await readFile(path, "utf8")).toBe("done");
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("makes it once across processes (the lock file decides)", async () => {
    const path = fresh();
    const counter = `${path}.makers`;
    // Each child runs makeOnce on the same path; the maker appends its pid to `counter`.
    const script = `
      import { appendFile, writeFile } from "node:fs/promises";
      import { makeOnce } from ${JSON.stringify(join(here, "make-once.ts"))};
      await makeOnce(${JSON.stringify(path)}, async (tmp) => {
        await appendFile(${JSON.stringify(counter)}, process.pid + "\\n");
        await new Promise((r) => setTimeout(r, 500));
        await writeFile(tmp, "made by " + process.pid);
      });`;
    const child = () => exec(process.execPath, ["--conditions=@exp/source", "--import", "tsx", "--input-type=module", "-e", script], { cwd: here });
    await Promise.all([child(), child(), child()]).catch((e: { stderr?: string }) => {
      throw new Error(`a child failed: ${e.stderr}`);
    });
    const makers = (await readFile(counter, "utf8")).trim().split("\n");
    expect(makers).toHaveLength(1);
    expect(await readFile(path, "utf8")).toBe(`made by ${makers[0]}`);
  }, 30_000);

  it("breaks the lock of a dead holder and removes its leftovers", async () => {
    const path = fresh();
    const dead = spawn("true");
    await new Promise((r) => dead.once("exit", r));
    await writeFile(`${path}.lock`, `${dead.pid}@${hostname()}\n`);
    await mkdir(`${path}.tmp-${dead.pid}-dead`);
    expect(await makeOnce(path, (tmp) => writeFile(tmp, "x"))).toBe(path);
    expect((await readdir(dir.path)).filter((f) => f.startsWith(`artifact-${n - 1}`))).toEqual([`artifact-${n - 1}`]);
  });

  it("waits for a live holder and takes its artifact without making one", async () => {
    const path = fresh();
    const holder = spawn("sleep", ["30"]);
    try {
      await writeFile(`${path}.lock`, `${holder.pid}@${hostname()}\n`);
      let made = false;
      const waiting = makeOnce(path, async (tmp) => {
        made = true;
        await writeFile(tmp, "ours");
      });
      await new Promise((r) => setTimeout(r, 500));
      await writeFile(path, "theirs");
      expect(await waiting).toBe(path);
      expect(made).toBe(false);
      expect(await readFile(path, "utf8")).toBe("theirs");
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("leaves nothing behind when making fails, so the next call tries again", async () => {
    const path = fresh();
    const error = await makeOnce(path, async (tmp) => {
      await writeFile(tmp, "half");
      throw new Error("mmdebstrap failed");
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("mmdebstrap failed");
    expect((await readdir(dir.path)).filter((f) => f.startsWith(`artifact-${n - 1}`))).toEqual([]);
    expect(await makeOnce(path, (tmp) => writeFile(tmp, "ok"))).toBe(path);
  });

  it("stops waiting when the signal aborts", async () => {
    const path = fresh();
    const holder = spawn("sleep", ["30"]);
    try {
      await writeFile(`${path}.lock`, `${holder.pid}@${hostname()}\n`);
      const error = await makeOnce(path, async () => {}, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("ERR_ABORTED");
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
