import { describe, expect, it } from "vitest";
import type { BlobSource, Digest } from "@exp/oci-spec";
import { openSourceFrom } from "./open-source-from.js";

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

/** A source without openFrom, streaming in uneven chunks. */
function streamingOnly(): BlobSource & { opened: number } {
  const source = {
    digest: "sha256:0" as Digest,
    size: bytes.length,
    opened: 0,
    async open() {
      source.opened++;
      return (async function* () {
        for (let i = 0; i < bytes.length; i += 97) yield bytes.subarray(i, i + 97);
      })();
    },
  };
  return source;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

describe("openSourceFrom", () => {
  it("skips the first bytes of a source that cannot seek, at and between chunk boundaries", async () => {
    for (const start of [0, 1, 96, 97, 98, 500, 999, 1000]) {
      const source = streamingOnly();
      expect(await collect(await openSourceFrom(source, start, {})), `start ${start}`).toEqual(bytes.subarray(start));
      expect(source.opened).toBe(1);
    }
  });

  it("uses the source's own openFrom where it has one", async () => {
    const calls: number[] = [];
    const source: BlobSource = {
      digest: "sha256:0" as Digest,
      size: bytes.length,
      open: async () => {
        throw new Error("open() must not be called for a seekable source");
      },
      openFrom: async (start) => {
        calls.push(start);
        return (async function* () {
          yield bytes.subarray(start);
        })();
      },
    };
    expect(await collect(await openSourceFrom(source, 300, {}))).toEqual(bytes.subarray(300));
    expect(calls).toEqual([300]);
  });
});
