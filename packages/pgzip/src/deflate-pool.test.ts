import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { DeflatePool } from "./deflate-pool.js";
import { inProcessDeflater } from "./deflate-block.js";
import { workerSource } from "./worker-source.js";
import { textLike } from "./test/support.js";

const block = (bytes: Buffer, level = 6, final = true) => ({ input: new Uint8Array(bytes), level, final });

/** The real worker, with `line` run first for every job (to make it fail on cue). */
const sourceWith = (line: string) => workerSource.replace('parentPort.on("message", (job) => {', `parentPort.on("message", (job) => {\n  ${line}`);

describe("DeflatePool", () => {
  it("deflates as zlib does in this process, and takes the block's memory", async () => {
    const pool = new DeflatePool({ threads: 2 });
    try {
      const input = textLike(300_000);
      const dictionary = new Uint8Array(textLike(32 * 1024, 5));
      const job = { input: new Uint8Array(input), dictionary, level: 6, final: false };
      const expected = await inProcessDeflater.deflate({ ...job, input: new Uint8Array(input), dictionary: new Uint8Array(dictionary) });
      const done = await pool.deflate(job);
      expect(done.output.equals(expected.output)).toBe(true);
      // The block went to the worker (detached here) and came back, bytes intact, to be reused.
      expect(job.input.byteLength).toBe(0);
      expect(Buffer.from(done.input).equals(input)).toBe(true);
      expect(done.dictionary?.byteLength).toBe(32 * 1024);
      expect(inflateRawSync(Buffer.concat([done.output, Buffer.from([3, 0])]), { dictionary: Buffer.from(textLike(32 * 1024, 5)) }).equals(input)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it("fails a job whose worker exits with ERR_PGZIP_WORKER, and replaces the worker", async () => {
    const pool = new DeflatePool({ threads: 1, source: sourceWith("if (job.level === 9) process.exit(3);") });
    try {
      await expect(pool.deflate(block(Buffer.from("x"), 9))).rejects.toMatchObject({ code: "ERR_PGZIP_WORKER", message: expect.stringContaining("code 3") });
      expect(inflateRawSync((await pool.deflate(block(Buffer.from("still here")))).output).toString()).toBe("still here");
    } finally {
      await pool.close();
    }
  });

  it("fails a job zlib refuses with ERR_PGZIP_WORKER", async () => {
    const pool = new DeflatePool({ threads: 1 });
    try {
      await expect(pool.deflate(block(Buffer.from("x"), 42))).rejects.toMatchObject({ code: "ERR_PGZIP_WORKER" });
    } finally {
      await pool.close();
    }
  });

  it("bounds the blocks it holds, and a wait for a slot ends on abort", async () => {
    // A worker that never answers level 9 holds its slot; the next caller waits, then gives up.
    const pool = new DeflatePool({ threads: 1, capacity: 1, source: sourceWith("if (job.level === 9) return;") });
    const stuck = pool.deflate(block(Buffer.from("x"), 9));
    const controller = new AbortController();
    const waiting = pool.deflate(block(Buffer.from("y")), controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "ERR_ABORTED" });
    const closed = expect(stuck).rejects.toMatchObject({ code: "ERR_PGZIP_POOL_CLOSED" });
    await pool.close();
    await closed;
    await expect(pool.deflate(block(Buffer.from("z")))).rejects.toMatchObject({ code: "ERR_PGZIP_POOL_CLOSED" });
  });

  it("does not keep a process alive once its work is done", async () => {
    const script = `
      import { DeflatePool } from ${JSON.stringify(fileURLToPath(new URL("./deflate-pool.ts", import.meta.url)))};
      const pool = new DeflatePool({ threads: 2 });
      const out = await Promise.all([1, 2, 3].map((n) => pool.deflate({ input: new Uint8Array(Buffer.alloc(100000, n)), level: 6, final: true })));
      console.log(out.length);
    `;
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=@exp/source", "--import", "tsx", "--input-type=module", "-e", script], { timeout: 20_000 });
    expect(stdout.trim()).toBe("3");
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
