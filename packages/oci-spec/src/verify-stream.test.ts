import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { digestOf, DigestMismatchError } from "./digest.js";
import { createDigestVerifier } from "./verify-stream.js";

async function run(data: string[], verifier: ReturnType<typeof createDigestVerifier>): Promise<string> {
  let out = "";
  await pipeline(Readable.from(data.map((d) => Buffer.from(d))), verifier, new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) }));
  return out;
}

describe("createDigestVerifier", () => {
  it("passes matching content through and reports progress", async () => {
    const seen: number[] = [];
    expect(await run(["ab", "cd"], createDigestVerifier(digestOf("abcd"), "blob", { size: 4, onBytes: (n) => seen.push(n) }))).toBe("abcd");
    expect(seen).toEqual([2, 4]);
  });

  it("fails on other content or a wrong size", async () => {
    await expect(run(["abcX"], createDigestVerifier(digestOf("abcd"), "blob"))).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(run(["abcd"], createDigestVerifier(digestOf("abcd"), "blob", { size: 5 }))).rejects.toThrow(/size/);
  });
});
