import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { constants, gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { createParallelGzip } from "./parallel-gzip.js";
import { DeflatePool } from "./deflate-pool.js";
import { LibuvDeflater } from "./libuv-deflater.js";
import { inProcessDeflater, type BlockDeflater } from "./deflate-block.js";
import { noise, pieces, textLike, through } from "./test/support.js";

const blockSize = 64 * 1024;
const pools = [1, 2, 8].map((threads) => new DeflatePool({ threads }));
const libuv = [1, 3].map((capacity) => new LibuvDeflater({ capacity }));
afterAll(() => Promise.all(pools.map((p) => p.close())));

const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("createParallelGzip", () => {
  it("round-trips through Node's gunzip at every level, around block boundaries", async () => {
    const input = textLike(5 * blockSize + 1234);
    for (const level of [0, 1, 6, 9]) {
      for (const size of [1, blockSize - 1, blockSize, blockSize + 1, 2 * blockSize, input.length]) {
        const part = input.subarray(0, size);
        const out = await through(createParallelGzip({ level, blockSize }), [part]);
        expect(gunzipSync(out).equals(part), `level ${level}, ${size} bytes`).toBe(true);
      }
    }
  });

  for (const level of [0, 1, 6, 9]) {
    it(`gives the same bytes at level ${level} on 1, 2 and 8 worker threads, 1 and 3 of libuv's, with any chunking and any blocks in flight`, async () => {
      // Blocks of 4 × 64 KiB: over zlib's 16 KiB output chunk and its 64 KiB stored-block limit.
      const blockSize = 256 * 1024;
      // One input ends inside a block; the other ends on a block (at level 0, a last block of a
      // multiple of 64 KiB was where Node's sync and async zlib calls once disagreed).
      for (const input of [Buffer.concat([textLike(6 * blockSize + 777, 7), noise(blockSize + 5), textLike(blockSize / 2, 8)]), textLike(3 * blockSize, 9)]) {
        const reference = await through(createParallelGzip({ level, blockSize, deflater: inProcessDeflater, maxInFlight: 1 }), [input]);
        expect(gunzipSync(reference).equals(input)).toBe(true);
        const runs: Array<{ deflater: BlockDeflater; chunks: Buffer[]; maxInFlight?: number }> = [
          ...[...pools, ...libuv].map((deflater) => ({ deflater, chunks: [input] })),
          { deflater: libuv[1]!, chunks: pieces(input, [333, 70_000]), maxInFlight: 1 },
          { deflater: pools[2]!, chunks: pieces(input, [1, 7, 65_537, 3, 100_000]), maxInFlight: 16 },
          { deflater: pools[0]!, chunks: pieces(input, [blockSize]), maxInFlight: 1 },
          { deflater: pools[1]!, chunks: pieces(input, [blockSize - 1, blockSize + 1]) },
          { deflater: inProcessDeflater, chunks: pieces(input, [4096]), maxInFlight: 3 },
        ];
        for (const run of runs) {
          const out = await through(createParallelGzip({ level, blockSize, deflater: run.deflater, ...(run.maxInFlight ? { maxInFlight: run.maxInFlight } : {}) }), run.chunks);
          expect(sha(out)).toBe(sha(reference));
        }
      }
    });
  }

  it("is one deflate stream with createGzip's bytes for an input of one block or less", async () => {
    // Level 0 too while its stored blocks fit zlib's 16 KiB output chunk, where createGzip cuts them.
    const large = 4 * blockSize;
    for (const level of [1, 6, 9]) {
      for (const input of [Buffer.alloc(0), Buffer.from("hello\n"), textLike(blockSize, 3), textLike(large, 4)]) {
        const out = await through(createParallelGzip({ level, blockSize: large }), pieces(input, [1000]));
        expect(out.equals(gzipSync(input, { level })), `level ${level}, ${input.length} bytes`).toBe(true);
      }
    }
    for (const input of [Buffer.alloc(0), textLike(16_000, 5)]) {
      expect((await through(createParallelGzip({ level: 0, blockSize: large }), [input])).equals(gzipSync(input, { level: 0 }))).toBe(true);
    }
  });

  it("writes gzip's header with mtime 0, OS Unix and zlib's XFL, and a trailer with the CRC and length", async () => {
    const input = textLike(3 * blockSize + 5);
    const out = await through(createParallelGzip({ level: 9, blockSize }), [input]);
    expect([...out.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    const reference = gzipSync(input);
    expect(out.readUInt32LE(out.length - 8)).toBe(reference.readUInt32LE(reference.length - 8));
    expect(out.readUInt32LE(out.length - 4)).toBe(input.length);
  });

  it("compresses about as well as one stream", async () => {
    const input = textLike(8 * blockSize);
    const out = await through(createParallelGzip({ blockSize }), [input]);
    expect(out.length / gzipSync(input).length).toBeLessThan(1.01);
  });

  it("stops with ERR_ABORTED when its signal fires mid-stream, and the pool goes on working", async () => {
    const controller = new AbortController();
    const input = textLike(20 * blockSize);
    const chunks = pieces(input, [blockSize / 2]);
    // Aborts once a few blocks are in the workers, while more input is still coming.
    async function* source() {
      for (const [i, chunk] of chunks.entries()) {
        if (i === 9) controller.abort(new Error("cancelled by the test"));
        yield chunk;
      }
    }
    const gzip = createParallelGzip({ blockSize, deflater: pools[1], signal: controller.signal });
    let read = 0;
    await expect(
      pipeline(Readable.from(source()), gzip, async (out: AsyncIterable<Buffer>) => {
        for await (const chunk of out) read += chunk.length;
      }),
    ).rejects.toMatchObject({ code: "ERR_ABORTED", message: expect.stringContaining("cancelled by the test") });
    expect(read).toBeLessThan(input.length / 2);
    expect(gunzipSync(await through(createParallelGzip({ blockSize }), [input])).equals(input)).toBe(true);
  });

  it("refuses an aborted signal, a level outside 0-9, a block under 32 KiB and no blocks in flight", async () => {
    await expect(through(createParallelGzip({ signal: AbortSignal.abort() }), [Buffer.from("x")])).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(() => createParallelGzip({ level: 10 })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION" }));
    expect(() => createParallelGzip({ level: -1 })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION" }));
    expect(() => createParallelGzip({ blockSize: 32 * 1024 - 1 })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION" }));
    expect(() => createParallelGzip({ maxInFlight: 0 })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION" }));
  });

  it("fails the stream with the block's error", async () => {
    const failing: BlockDeflater = { deflate: async (block) => (block.final ? Promise.reject(Object.assign(new Error("disk on fire"), { code: "ERR_TEST" })) : inProcessDeflater.deflate(block)) };
    await expect(through(createParallelGzip({ blockSize, deflater: failing }), [textLike(3 * blockSize)])).rejects.toMatchObject({ code: "ERR_TEST" });
  });

  // The tests above would pass for a compressor that ignored what makes the joined stream valid;
  // these deflaters break one rule each and the result is shown to be different or unreadable.
  describe("a broken join is caught", () => {
    const input = textLike(4 * blockSize, 11);
    const reference = async () => through(createParallelGzip({ blockSize, deflater: inProcessDeflater }), [input]);
    const readsBack = (out: Buffer) => {
      try {
        return gunzipSync(out).equals(input);
      } catch {
        return false;
      }
    };

    it("a block primed with the wrong dictionary decodes to other bytes", async () => {
      const wrongDictionary: BlockDeflater = {
        // The right bytes one place off: every match the encoder finds in it decodes wrong.
        deflate: (block) => inProcessDeflater.deflate({ ...block, ...(block.dictionary ? { dictionary: Buffer.concat([block.dictionary.subarray(1), block.dictionary.subarray(0, 1)]) } : {}) }),
      };
      const out = await through(createParallelGzip({ blockSize, deflater: wrongDictionary }), [input]);
      expect(sha(out)).not.toBe(sha(await reference()));
      expect(readsBack(out)).toBe(false);
    });

    it("a block without the dictionary is valid but not the same bytes", async () => {
      const noDictionary: BlockDeflater = { deflate: (block) => inProcessDeflater.deflate({ ...block, dictionary: undefined }) };
      const out = await through(createParallelGzip({ blockSize, deflater: noDictionary }), [input]);
      expect(readsBack(out)).toBe(true);
      expect(sha(out)).not.toBe(sha(await reference()));
    });

    it("a block that finishes the stream before the last one cuts it short", async () => {
      const finishesEarly: BlockDeflater = { deflate: (block) => inProcessDeflater.deflate({ ...block, final: true }) };
      const out = await through(createParallelGzip({ blockSize, deflater: finishesEarly }), [input]);
      expect(readsBack(out)).toBe(false);
    });
  });
});

// Z_SYNC_FLUSH ends a block with an empty stored block (00 00 ff ff): the seam pigz leaves too.
it("ends every block but the last on a sync-flush marker", async () => {
  const blocks: Buffer[] = [];
  const recording: BlockDeflater = {
    deflate: async (block) => {
      const done = await inProcessDeflater.deflate(block);
      blocks.push(done.output);
      return done;
    },
  };
  await through(createParallelGzip({ blockSize, deflater: recording, maxInFlight: 1 }), [textLike(3 * blockSize + 1)]);
  expect(blocks).toHaveLength(4);
  for (const out of blocks.slice(0, -1)) expect([...out.subarray(-4)]).toEqual([0, 0, 0xff, 0xff]);
  expect(constants.Z_SYNC_FLUSH).toBe(2);
});
