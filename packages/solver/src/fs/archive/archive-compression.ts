import { PassThrough, type Duplex, type Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { createDecompressor, toolProcess } from "../../layers/compression.js";

/** How an ADD source archive may be compressed: what moby/go-archive's DecompressStream reads. */
export type ArchiveCompression = "none" | "gzip" | "bzip2" | "xz" | "zstd";

// go-archive's DetectCompression: the magic numbers at the start of the file.
const MAGIC: ReadonlyArray<readonly [ArchiveCompression, readonly number[]]> = [
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["gzip", [0x1f, 0x8b, 0x08]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
];

/** The compression the first bytes of a file announce; "none" for anything else (a plain tar, or not an archive). */
export function detectArchiveCompression(head: Uint8Array): ArchiveCompression {
  for (const [kind, magic] of MAGIC) if (magic.every((byte, i) => head[i] === byte)) return kind;
  return "none";
}

/**
 * A stream that decompresses `kind`. gzip is zlib's; zstd, xz and bzip2 run in their commands, as
 * go-archive runs `xz` (and exp runs `zstd` for layers): Node 20 has none of the three.
 */
export function archiveDecompressor(kind: ArchiveCompression): Transform | Duplex {
  switch (kind) {
    case "none":
      return new PassThrough();
    case "gzip":
      return createGunzip();
    case "zstd":
      return createDecompressor("zstd");
    case "xz":
      return toolProcess({ tool: "xz", args: ["-d", "-c", "-q"], what: "ADD of an xz archive", debianPackage: "xz-utils" });
    case "bzip2":
      return toolProcess({ tool: "bzip2", args: ["-d", "-c", "-q"], what: "ADD of a bzip2 archive", debianPackage: "bzip2" });
  }
}
