import { describe, expect, it } from "vitest";
import * as tarStream from "tar-stream";
import { writeTar, type TarWriteEntry } from "./write-tar.js";
import { collect } from "../test/collect.js";
import { TarEntrySizeError } from "../errors.js";

/** What tar-stream 3 writes for the same entries: exp's layers were written by it before. */
async function tarStreamBytes(entries: readonly TarWriteEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const done = collect(pack as AsyncIterable<Uint8Array>);
  for (const { header, body } of entries) {
    const data = body instanceof Uint8Array ? Buffer.from(body) : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: header.name,
          type: header.type,
          mode: header.mode,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          size: header.size ?? 0,
          mtime: new Date(header.mtimeMs ?? 0),
          linkname: header.linkname,
          uname: header.uname,
          gname: header.gname,
          devmajor: header.devmajor,
          devminor: header.devminor,
          ...(header.pax ? { pax: { ...header.pax } } : {}),
        },
        data,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }
  pack.finalize();
  return done;
}

const file = (name: string, text: string, extra: Partial<TarWriteEntry["header"]> = {}): TarWriteEntry => ({
  header: { name, type: "file", mode: 0o644, size: Buffer.byteLength(text), mtimeMs: 1_700_000_000_000, uid: 1000, gid: 1000, uname: "app", gname: "app", ...extra },
  body: Buffer.from(text),
});

describe("writeTar, byte for byte what tar-stream 3 wrote (layer digests kept)", () => {
  const cases: Record<string, TarWriteEntry[]> = {
    "every entry kind": [
      { header: { name: "dir/", type: "directory", mode: 0o755, mtimeMs: 1_000_000 } },
      file("dir/a.txt", "hello\n"),
      file("dir/empty", ""),
      file("dir/block", "x".repeat(512)),
      { header: { name: "dir/hard", type: "link", mode: 0o644, linkname: "dir/a.txt" } },
      { header: { name: "dir/sym", type: "symlink", mode: 0o777, linkname: "../etc/passwd" } },
      { header: { name: "dev/null", type: "character-device", mode: 0o666, devmajor: 1, devminor: 3 } },
      { header: { name: "dev/loop0", type: "block-device", mode: 0o660, devmajor: 7, devminor: 0 } },
      { header: { name: "run/fifo", type: "fifo", mode: 0o600 } },
      { header: { name: "opt/setuid", type: "file", mode: 0o4755, size: 1 }, body: Buffer.from("x") },
    ],
    "a name split into USTAR's prefix and name": [file(`${"p".repeat(120)}/${"n".repeat(90)}`, "split")],
    "names USTAR cannot hold, in PAX records": [
      file(`${"a".repeat(130)}`, "no slash to split at"),
      file(`${"d".repeat(160)}/${"n".repeat(101)}`, "name part too long"),
      file("dir/naïve-café.txt", "non-ASCII"),
      { header: { name: "l", type: "symlink", mode: 0o777, linkname: `${"t/".repeat(60)}target` } },
    ],
    "PAX records the caller gives": [file("x", "with pax", { pax: { comment: "hello", "LIBARCHIVE.creationtime": "1700000000" } })],
    // Not beyond 2038: tar-stream truncated seconds to 32 bits there (`getTime() / 1000 | 0`), see read-tar.test.ts.
    "ids at their field's limit": [file("edge", "e", { mtimeMs: 2_000_000_000_000, uid: 0o777777, gid: 0o777777 })],
  };
  for (const [name, entries] of Object.entries(cases)) {
    it(name, async () => {
      const ours = await collect(writeTar(entries));
      expect(ours.equals(await tarStreamBytes(entries))).toBe(true);
      expect(ours.length % 512).toBe(0);
    });
  }
});

describe("writeTar's limits", () => {
  it("fails before a byte past the size when the body is longer than its header says", async () => {
    const written: Buffer[] = [];
    const entry: TarWriteEntry = { header: { name: "f", type: "file", mode: 0o644, size: 3 }, body: [Buffer.from("ab"), Buffer.from("cd")] };
    const run = async () => {
      for await (const chunk of writeTar([entry], { chunkBytes: 1 })) written.push(chunk);
    };
    await expect(run()).rejects.toThrow(TarEntrySizeError);
    await expect(run()).rejects.toMatchObject({ code: "ERR_TAR_ENTRY_SIZE", message: expect.stringContaining("says 3 bytes, its data 4 bytes or more") });
    expect(Buffer.concat(written).subarray(512).toString()).not.toContain("cd");
  });
  it("fails when the body is shorter than its header says", async () => {
    const entry: TarWriteEntry = { header: { name: "short", type: "file", mode: 0o644, size: 10 }, body: Buffer.from("abc") };
    await expect(collect(writeTar([entry]))).rejects.toMatchObject({ code: "ERR_TAR_ENTRY_SIZE", message: expect.stringContaining('"short"') });
  });
  it("stops at an abort and ends the entries' iterator", async () => {
    const controller = new AbortController();
    let closed = false;
    async function* entries(): AsyncGenerator<TarWriteEntry> {
      try {
        for (let i = 0; ; i++) yield file(`f${i}`, "data");
      } finally {
        closed = true;
      }
    }
    let count = 0;
    const run = async () => {
      for await (const _ of writeTar(entries(), { signal: controller.signal, chunkBytes: 1 })) if (++count === 5) controller.abort();
    };
    await expect(run()).rejects.toMatchObject({ name: "AbortedError" });
    expect(closed).toBe(true);
  });
  it("joins small pieces into chunks of about chunkBytes", async () => {
    const entries = Array.from({ length: 200 }, (_, i) => file(`small/${i}`, "tiny"));
    const chunks: Buffer[] = [];
    for await (const chunk of writeTar(entries, { chunkBytes: 16 * 1024 })) chunks.push(chunk);
    expect(chunks.length).toBeLessThan(15);
    expect(chunks.slice(0, -1).every((c) => c.length >= 16 * 1024)).toBe(true);
  });
});
