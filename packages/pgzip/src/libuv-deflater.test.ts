import { inflateRawSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as block from "./deflate-block.js";
import { LibuvDeflater, libuvThreads } from "./libuv-deflater.js";
import { textLike } from "./test/support.js";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const job = (text: string) => ({ input: new Uint8Array(Buffer.from(text)), level: 6, final: true });

describe("LibuvDeflater", () => {
  it("deflates on libuv's pool and hands the block's memory back", async () => {
    const input = new Uint8Array(textLike(100_000));
    const done = await new LibuvDeflater({ capacity: 2 }).deflate({ input, level: 6, final: true });
    expect(done.input).toBe(input);
    expect(inflateRawSync(done.output).equals(Buffer.from(input))).toBe(true);
  });

  it("never runs more blocks at once than its capacity, and a wait for a slot ends on abort", async () => {
    let running = 0;
    let most = 0;
    const gates: Array<() => void> = [];
    const real = block.inProcessDeflater.deflate.bind(block.inProcessDeflater);
    vi.spyOn(block.inProcessDeflater, "deflate").mockImplementation(async (b, signal) => {
      most = Math.max(most, ++running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
      return real(b, signal);
    });
    const deflater = new LibuvDeflater({ capacity: 2 });
    const jobs = ["a", "b", "c", "d"].map((t) => deflater.deflate(job(t)));
    const controller = new AbortController();
    const waiting = deflater.deflate(job("e"), controller.signal);
    await new Promise((r) => setTimeout(r, 20));
    expect(running).toBe(2);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: "ERR_ABORTED" });
    while (gates.length > 0 || running > 0) {
      gates.shift()?.();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await Promise.all(jobs)).map((d) => inflateRawSync(d.output).toString())).toEqual(["a", "b", "c", "d"]);
    expect(most).toBe(2);
  });

  it("leaves one of libuv's threads to file I/O by default", () => {
    vi.stubEnv("UV_THREADPOOL_SIZE", "2");
    expect(libuvThreads()).toBe(2);
    expect(new LibuvDeflater().parallelism).toBe(1);
    vi.stubEnv("UV_THREADPOOL_SIZE", "");
    expect(libuvThreads()).toBe(4);
  });
});
