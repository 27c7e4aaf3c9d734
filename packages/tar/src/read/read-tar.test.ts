import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readTar } from "./read-tar.js";
import { writeTar, type TarWriteEntry } from "../write/write-tar.js";
import { encodeHeaderBlock, type BlockFields } from "../header/header-block.js";
import { encodePaxRecords } from "../header/pax-records.js";
import { chunked, collect, readAll } from "../test/collect.js";
import { maxTarHeaderBytes } from "../errors.js";

const capability = Buffer.from("0100000200200000000000000000000000000000", "hex");

const entries: TarWriteEntry[] = [
  { header: { name: "etc/", type: "directory", mode: 0o755, mtimeMs: 1_600_000_000_000 } },
  { header: { name: "etc/hosts", type: "file", mode: 0o644, size: 10, uid: 0, gid: 0, mtimeMs: 1_600_000_000_000 }, body: [Buffer.from("127.0."), Buffer.from("0.1\n")] },
  { header: { name: "usr/bin/ping", type: "file", mode: 0o4755, size: 4, xattrs: { "security.capability": capability, "user.text": Buffer.from("héllo") } }, body: Buffer.from("ELF!") },
  { header: { name: "bin", type: "symlink", mode: 0o777, linkname: "usr/bin" } },
  { header: { name: "usr/bin/ping6", type: "link", mode: 0o4755, linkname: "usr/bin/ping" } },
  { header: { name: "dev/null", type: "character-device", mode: 0o666, devmajor: 1, devminor: 3 } },
  { header: { name: "old", type: "file", mode: 0o600, size: 0, mtimeMs: -86_400_000 } },
  { header: { name: "far-future", type: "file", mode: 0o600, size: 0, mtimeMs: 9_000_000_000_000 } },
  { header: { name: "big-ids", type: "file", mode: 0o600, size: 0, uid: 1_000_000, gid: 2_097_151, uname: "u".repeat(40), gname: "g" } },
  { header: { name: `deep/${"x".repeat(200)}/ünïcode`, type: "file", mode: 0o644, size: 1 }, body: Buffer.from("z") },
  { header: { name: "big-block", type: "file", mode: 0o644, size: 70_000 }, body: Buffer.alloc(70_000, 7) },
];

describe("readTar reads back what writeTar writes", () => {
  it("every field, in any chunking", async () => {
    const bytes = await collect(writeTar(entries));
    for (const chunkBytes of [1, 97, 512, 65_536]) {
      const read = await readAll(bytes, { chunkBytes });
      expect(read.map((e) => e.header.name)).toEqual(entries.map((e) => e.header.name));
      for (const [i, { header, data }] of read.entries()) {
        const written = entries[i]!.header;
        expect(header.type).toBe(written.type);
        expect(header.mode).toBe(written.mode);
        expect(header.uid).toBe(written.uid ?? 0);
        expect(header.gid).toBe(written.gid ?? 0);
        expect(header.mtimeMs).toBe(Math.floor((written.mtimeMs ?? 0) / 1000) * 1000);
        expect(header.linkname).toBe(written.linkname ?? "");
        expect(header.uname).toBe(written.uname ?? "");
        expect(header.devmajor).toBe(written.devmajor ?? 0);
        expect(header.devminor).toBe(written.devminor ?? 0);
        expect(data.length).toBe(written.size ?? 0);
        expect(header.xattrs).toEqual(written.xattrs ?? {});
      }
    }
  });
  it("keeps an xattr's bytes that are not UTF-8", async () => {
    const [, , ping] = await readAll(await collect(writeTar(entries)));
    expect(ping!.header.xattrs["security.capability"]!.equals(capability)).toBe(true);
    expect(ping!.header.xattrs["user.text"]!.toString("utf8")).toBe("héllo");
  });
  it("gives each body's bytes, and skips a body left unread", async () => {
    const bytes = await collect(writeTar(entries));
    const seen: string[] = [];
    for await (const entry of readTar(chunked(bytes))) {
      if (entry.header.name === "etc/hosts") expect((await collect(entry.body)).toString()).toBe("127.0.0.1\n");
      seen.push(entry.header.name);
    }
    expect(seen).toHaveLength(entries.length);
  });
  it("reports where each body starts", async () => {
    const bytes = await collect(writeTar(entries));
    for await (const entry of readTar(chunked(bytes))) {
      if (entry.header.name !== "big-block") continue;
      expect(bytes.subarray(entry.offset, entry.offset + 4).equals(Buffer.alloc(4, 7))).toBe(true);
    }
  });
});

// Raw archives, to reach what writeTar never writes.
const blockOf = (fields: Partial<BlockFields>): Buffer =>
  encodeHeaderBlock({ name: "f", typeflag: "0", mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, linkname: "", uname: "", gname: "", devmajor: 0, devminor: 0, ...fields })!;
const paxHeader = (records: Array<[string, Buffer | string]>, typeflag = "x"): Buffer => {
  const data = encodePaxRecords(records.map(([k, v]) => [k, Buffer.from(v)] as const));
  return Buffer.concat([blockOf({ name: "PaxHeader", typeflag, size: data.length }), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
};
const end = Buffer.alloc(1024);

describe("readTar refuses what it cannot read safely", () => {
  it("a header whose checksum is wrong", async () => {
    const bytes = await collect(writeTar(entries));
    bytes[10] = bytes[10]! ^ 1;
    await expect(readAll(bytes, { name: "layer 1" })).rejects.toMatchObject({ code: "ERR_TAR_INVALID", message: expect.stringMatching(/^layer 1: not a valid tar at byte 0: .*checksum/) });
  });
  it("a tar cut inside a header, inside a body, inside the padding", async () => {
    const bytes = await collect(writeTar(entries));
    for (const cut of [300, 1024 + 5, 1024 + 200]) {
      await expect(readAll(bytes.subarray(0, cut))).rejects.toMatchObject({ code: "ERR_TAR_TRUNCATED" });
    }
  });
  it("accepts a tar that ends on a header boundary without its end marker, as Go does", async () => {
    const bytes = await collect(writeTar(entries.slice(0, 2)));
    expect(await readAll(bytes.subarray(0, bytes.length - 1024))).toHaveLength(2);
  });
  it("a zero block followed by a header", async () => {
    const bytes = Buffer.concat([Buffer.alloc(512), blockOf({ name: "after" }), end]);
    await expect(readAll(bytes)).rejects.toMatchObject({ code: "ERR_TAR_INVALID", message: expect.stringContaining("zero block followed by a header") });
  });
  it("a PAX header over 1 MiB, before reading it", async () => {
    const big = await collect(writeTar([{ header: { name: "x", type: "file", mode: 0o644, pax: { comment: "c".repeat(maxTarHeaderBytes) } } }]));
    await expect(readAll(big)).rejects.toMatchObject({ code: "ERR_TAR_HEADER_TOO_LARGE" });
    const fits = await collect(writeTar([{ header: { name: "x", type: "file", mode: 0o644, pax: { comment: "c".repeat(maxTarHeaderBytes - 100) } } }]));
    expect(await readAll(fits)).toHaveLength(1);
  });
  it("a NUL inside a PAX path, a malformed record, a bad number", async () => {
    for (const [records, reason] of [
      [[["path", "a\0b"]], "path record holding a NUL"],
      [[["uid", "12x"]], 'uid record of "12x"'],
      [[["mtime", "soon"]], 'mtime record of "soon"'],
    ] as const) {
      const bytes = Buffer.concat([paxHeader(records.map(([k, v]) => [k, v])), blockOf({ name: "f" }), end]);
      await expect(readAll(bytes)).rejects.toMatchObject({ code: "ERR_TAR_INVALID", message: expect.stringContaining(reason) });
    }
    const data = Buffer.from("99 path=x\n");
    const malformed = Buffer.concat([blockOf({ name: "PaxHeader", typeflag: "x", size: data.length }), data, Buffer.alloc(512 - data.length), blockOf({}), end]);
    await expect(readAll(malformed)).rejects.toMatchObject({ code: "ERR_TAR_INVALID", message: expect.stringContaining("PAX record of length") });
  });
  it("sparse files, GNU's and PAX's", async () => {
    await expect(readAll(Buffer.concat([blockOf({ name: "sparse", typeflag: "S" }), end]))).rejects.toMatchObject({ code: "ERR_TAR_UNSUPPORTED", message: expect.stringContaining('"sparse" is a sparse file') });
    const pax = Buffer.concat([paxHeader([["GNU.sparse.major", "1"], ["GNU.sparse.name", "real"]]), blockOf({}), end]);
    await expect(readAll(pax)).rejects.toMatchObject({ code: "ERR_TAR_UNSUPPORTED" });
  });
  it("skips a global PAX header, as containerd does, and applies a local one to the next entry only", async () => {
    const bytes = Buffer.concat([paxHeader([["path", "global-name"]], "g"), paxHeader([["path", "local-name"]]), blockOf({ name: "a" }), blockOf({ name: "b" }), end]);
    expect((await readAll(bytes)).map((e) => e.header.name)).toEqual(["local-name", "b"]);
  });
  it("reads a V7 regular file named with a trailing slash as a directory (Go's TypeRegA rule)", async () => {
    const v7 = blockOf({ name: "olddir/", typeflag: "\0" });
    const [entry] = await readAll(Buffer.concat([v7, end]));
    expect(entry!.header.type).toBe("directory");
  });
});

describe("readTar's iteration", () => {
  it("a body read after the next entry was asked for fails rather than giving the wrong bytes", async () => {
    const bytes = await collect(writeTar(entries));
    const iterator = readTar(chunked(bytes));
    const first = (await iterator.next()).value!;
    const second = (await iterator.next()).value!;
    expect(first.header.name).toBe("etc/");
    await iterator.next();
    await expect(collect(second.body)).rejects.toMatchObject({ code: "ERR_TAR_BODY_STALE", message: expect.stringContaining('"etc/hosts"') });
    await iterator.return(undefined);
  });
  it("stops at an abort", async () => {
    const controller = new AbortController();
    const bytes = await collect(writeTar(entries));
    const run = async () => {
      for await (const entry of readTar(chunked(bytes), { signal: controller.signal })) if (entry.header.name === "bin") controller.abort();
    };
    await expect(run()).rejects.toMatchObject({ code: "ERR_ABORTED" });
  });
  it("passes the source's error on, and destroys the source when the reader stops early", async () => {
    const failing = new Readable({ read() { this.destroy(new Error("disk gone")); } });
    await expect(readAll(Buffer.alloc(0)).then(async () => { for await (const _ of readTar(failing)) void _; })).rejects.toThrow("disk gone");
    const bytes = await collect(writeTar(entries));
    const source = Readable.from([bytes.subarray(0, 2048), bytes.subarray(2048)], { objectMode: true });
    for await (const entry of readTar(source)) if (entry.header.name === "etc/") break;
    expect(source.destroyed).toBe(true);
  });
});

describe("readTar at the end of the archive", () => {
  it("reads the source to its end, so a source that verifies its digest there can fail the read", async () => {
    const bytes = Buffer.concat([await collect(writeTar(entries.slice(0, 2))), Buffer.alloc(8192)]);
    let readToEnd = false;
    async function* verifying(): AsyncGenerator<Buffer> {
      yield* chunked(bytes, 1000);
      readToEnd = true;
      throw new Error("digest mismatch at the end of the layer");
    }
    const names: string[] = [];
    const run = async () => {
      for await (const entry of readTar(verifying())) names.push(entry.header.name);
    };
    await expect(run()).rejects.toThrow("digest mismatch at the end of the layer");
    expect(readToEnd).toBe(true);
    expect(names).toEqual(["etc/", "etc/hosts"]);
  });
});

describe("isTarHeader", () => {
  it("takes a tar's first block, not text, zeros or a block with a bad checksum", async () => {
    const { isTarHeader } = await import("../header/is-tar-header.js");
    const tar = await collect(writeTar(entries.slice(0, 1)));
    expect(isTarHeader(tar)).toBe(true);
    expect(isTarHeader(tar.subarray(0, 511))).toBe(false);
    expect(isTarHeader(Buffer.alloc(1024))).toBe(false);
    expect(isTarHeader(Buffer.alloc(1024, "hello world\n"))).toBe(false);
    const broken = Buffer.from(tar);
    broken[0] = broken[0]! ^ 1;
    expect(isTarHeader(broken)).toBe(false);
  });
});
