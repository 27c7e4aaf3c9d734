import { randomBytes } from "node:crypto";
import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/**
 * Text-like bytes (random words, ~0.45 with gzip -6): compressible enough that deflate finds
 * matches across block seams, so a wrong dictionary shows. Seeded by `seed`, not by the clock.
 */
export function textLike(size: number, seed = 1): Buffer {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const words = Array.from({ length: 2048 }, () => Array.from({ length: 3 + Math.floor(next() * 8) }, () => letters[Math.floor(next() * 26)]).join(""));
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) at += out.write(`${words[Math.floor(next() * words.length)]} `, at);
  return out;
}

/** Incompressible bytes. */
export function noise(size: number): Buffer {
  return randomBytes(size);
}

/** `bytes` cut into pieces of the given sizes, cycled (odd sizes find boundary bugs). */
export function pieces(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Runs `chunks` through `transform` and returns everything it wrote. */
export async function through(transform: Transform, chunks: readonly Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), transform, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}
