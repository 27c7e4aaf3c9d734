import { describe, expect, it } from "vitest";
import { Slicer, counting } from "./counting.js";

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function* chunks(...parts: string[]) {
  for (const part of parts) yield Buffer.from(part);
}

describe("Slicer", () => {
  it("cuts a stream into consecutive slices across chunk boundaries", async () => {
    const slicer = new Slicer(chunks("abcde", "fg", "hijklmnop"));
    expect((await collect(slicer.slice(3))).toString()).toBe("abc");
    expect((await collect(slicer.slice(4))).toString()).toBe("defg");
    expect((await collect(slicer.slice(5))).toString()).toBe("hijkl");
    expect((await collect(slicer.slice(10))).toString()).toBe("mnop");
    expect((await collect(slicer.slice(1))).toString()).toBe("");
  });
});

describe("counting", () => {
  it("reports the running total", async () => {
    const seen: number[] = [];
    await collect(counting(chunks("ab", "cde"), (n) => seen.push(n)));
    expect(seen).toEqual([2, 5]);
  });
});
