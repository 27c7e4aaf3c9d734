import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { tarChainFsSource, type TarLayer } from "@exp/solver";
import { writeTar, type TarWriteEntry } from "@exp/tar";
import { scanFilesystem, scanLayers } from "../scan.js";
import { spdxSchemaErrors } from "../test-support/spdx-schema.js";
import { buildElf, wrapModinfo } from "../test-support/elf-builder.js";
import { BUILDINFO_MAGIC } from "../golang/buildinfo.js";

const created = new Date("2024-06-01T00:00:00Z");

type Item = [name: string, content: string | Buffer | { link: string } | { hardlink: string } | "dir", mode?: number];

/** A layer tar in memory, and how many times it was opened. */
async function layer(items: Item[]): Promise<TarLayer & { opens: number }> {
  const entries: TarWriteEntry[] = items.map(([name, content, mode]) => {
    if (content === "dir") return { header: { name, type: "directory", mode: 0o755 } };
    if (typeof content === "object" && "link" in content) return { header: { name, type: "symlink", mode: 0o777, linkname: content.link } };
    if (typeof content === "object" && "hardlink" in content) return { header: { name, type: "link", mode: 0o644, linkname: content.hardlink } };
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    return { header: { name, type: "file", mode: mode ?? 0o644, size: body.byteLength }, body };
  });
  const chunks: Buffer[] = [];
  for await (const chunk of writeTar(entries)) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const out = {
    opens: 0,
    async open() {
      out.opens++;
      return Readable.from([bytes]);
    },
  };
  return out;
}

const status = (...packages: [string, string][]) => packages.map(([name, version]) => `Package: ${name}\nStatus: install ok installed\nVersion: ${version}\nArchitecture: all\n`).join("\n");

/** A Go 1.18+ binary: the inline build information at the start of its data segment. */
function goBinary(module: string): Buffer {
  const varint = (text: string) => Buffer.concat([Buffer.from([Buffer.byteLength(text)]), Buffer.from(text)]);
  const header = Buffer.alloc(32);
  BUILDINFO_MAGIC.copy(header);
  header[14] = 8;
  header[15] = 2;
  const info = Buffer.concat([header, varint("go1.22.1"), Buffer.from([0]), wrapModinfo(`path\t${module}\nmod\t${module}\tv1.0.0\t\n`)]);
  // The modinfo's length fits one varint byte only below 128: make sure of it.
  const modLength = info.byteLength - 32 - 9 - 1;
  info[32 + 9] = modLength;
  return buildElf({ is64: true, littleEndian: true, goNote: true, segments: [{ vaddr: 0x401000, flags: 5, data: Buffer.alloc(600 * 1024) }, { vaddr: 0x600000, flags: 6, data: info }] });
}

describe("scanLayers", () => {
  it("reads a chain of layers in a few passes, and finds what tarChainFsSource's view holds", async () => {
    const layers = [
      await layer([
        ["etc/", "dir"],
        ["etc/os-release", 'ID=debian\nVERSION_ID="12"\n'],
        ["var/lib/dpkg/status", status(["old", "1"], ["kept", "1"])],
        ["var/lib/dpkg/info/kept.list", "/usr/bin/kept\n"],
        ["var/lib/dpkg/info/kept.md5sums", "11111111111111111111111111111111  usr/bin/kept\n"],
        ["usr/bin/kept", "kept"],
        ["usr/share/doc/kept/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nLicense: MIT\n"],
        ["app/node_modules/gone/package.json", JSON.stringify({ name: "gone", version: "1.0.0" })],
        ["usr/local/bin/tool", goBinary("example.com/tool"), 0o755],
      ]),
      await layer([
        // A later status replaces the base's; a whiteout removes a package; a hard link in the top layer.
        ["var/lib/dpkg/status", status(["kept", "2"], ["new", "1"])],
        ["app/node_modules/.wh.gone", ""],
        ["app/node_modules/fresh/package.json", JSON.stringify({ name: "fresh", version: "2.0.0", license: "MIT" })],
        ["app/node_modules/linked/package.json", JSON.stringify({ name: "linked", version: "3.0.0" })],
        ["app/node_modules/copy/package.json", { hardlink: "app/node_modules/linked/package.json" }],
        ["usr/share/doc/kept/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nLicense: Apache-2.0\n"],
      ]),
    ];
    const fromLayers = await scanLayers(layers, { name: "layered", created });
    expect(fromLayers.warnings).toEqual([]);
    expect(spdxSchemaErrors(fromLayers.document)).toEqual([]);
    // Index once, read ahead once, the Go binary's data segment once: three streams of each layer
    // (the hard link's bytes are its target's, captured in the same pass).
    expect(layers.map((item) => item.opens)).toEqual([3, 3]);
    const summary = fromLayers.document.packages.filter((pkg) => pkg.externalRefs).map((pkg) => `${pkg.name} ${pkg.versionInfo} ${pkg.licenseDeclared}`);
    expect(summary.sort()).toEqual(["example.com/tool v1.0.0 NOASSERTION", "fresh 2.0.0 MIT", "kept 2 Apache-2.0", "linked 3.0.0 NOASSERTION", "new 1 NOASSERTION", "stdlib go1.22.1 BSD-3-Clause"]);
    // The same document as reading the solver's view of the chain file by file.
    const fileByFile = await scanFilesystem(tarChainFsSource(layers), { name: "layered", created });
    expect(fromLayers.document).toEqual(fileByFile.document);
  });
});
