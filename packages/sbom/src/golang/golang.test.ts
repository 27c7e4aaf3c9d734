import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { skipUnlessTools } from "@exp/testing";
import { expectedSkip } from "@exp/testing/vitest";
import { scanFilesystem } from "../scan.js";
import type { SpdxDocument, SpdxPackage } from "../spdx/types.js";
import { buildElf, wrapModinfo } from "../test-support/elf-builder.js";
import { hostFilesFs } from "../test-support/host-files-fs.js";
import { memoryFs } from "../test-support/memory-fs.js";
import { spdxSchemaErrors } from "../test-support/spdx-schema.js";
import { BUILDINFO_MAGIC } from "./buildinfo.js";
import { MIN_GO_BINARY } from "./go-cataloger.js";

const created = new Date("2025-01-01T00:00:00Z");
const purlOf = (pkg: SpdxPackage | undefined) => pkg?.externalRefs?.find((ref) => ref.referenceType === "purl")?.referenceLocator;
const byName = (document: SpdxDocument, name: string) => document.packages.find((pkg) => pkg.name === name);

/** The Go toolchain Debian built a package with, from its Built-Using field ("golang-1.19 (= 1.19.8-2)" → "go1.19.8"). */
function debianGoVersion(binary: string): string | undefined {
  try {
    const owner = execFileSync("dpkg-query", ["-S", binary], { encoding: "utf8" }).split(":")[0] as string;
    const builtUsing = execFileSync("dpkg-query", ["-W", "-f", "${Built-Using}", owner], { encoding: "utf8" });
    const version = /golang-1\.\d+ \(= ([0-9.]+)-[^)]*\)/.exec(builtUsing)?.[1];
    return version ? `go${version}` : undefined;
  } catch {
    return undefined;
  }
}

/** The upstream repository Debian names in the package's copyright file ("Source: https://github.com/containers/skopeo"). */
function debianSource(pkg: string): string | undefined {
  const copyright = `/usr/share/doc/${pkg}/copyright`;
  if (!existsSync(copyright)) return undefined;
  return /^Source:\s*https?:\/\/(\S+?)\/?$/m.exec(readFileSync(copyright, "utf8"))?.[1];
}

describe("Go binaries of Debian (GOPATH builds: a main package path and the toolchain, no module list)", () => {
  // scripts/setup.sh installs these four (the Debian base tests use them), so CI always has them.
  const binaries = ["skopeo", "umoci", "docker-registry", "buildah"];
  it.skipIf(skipUnlessTools(...binaries, "dpkg-query")).each(binaries)("reads /usr/bin/%s as Debian's package metadata describes it", async (name) => {
    const fs = hostFilesFs({ [`usr/bin/${name}`]: `/usr/bin/${name}` });
    const { document, warnings } = await scanFilesystem(fs, { name, created, catalogers: ["go"] });
    expect(warnings).toEqual([]);
    expect(spdxSchemaErrors(document)).toEqual([]);
    const goVersion = debianGoVersion(`/usr/bin/${name}`);
    expect(goVersion).toMatch(/^go1\./);
    const stdlib = byName(document, "stdlib");
    expect(stdlib?.versionInfo).toBe(goVersion);
    expect(purlOf(stdlib)).toBe(`pkg:golang/stdlib@${goVersion?.slice(2)}`);
    expect(stdlib?.licenseDeclared).toBe("BSD-3-Clause");
    const source = debianSource(name);
    const main = document.packages.find((pkg) => pkg.name.startsWith(`${source}/`));
    expect(main, `a package under ${source} in ${document.packages.map((pkg) => pkg.name).join(", ")}`).toBeDefined();
    // GOPATH builds record the main package's path and no module version.
    expect(main?.versionInfo).toBeUndefined();
    expect(purlOf(main)).toBe(`pkg:golang/${main?.name}`);
    expect(main?.sourceInfo).toBe(`acquired package info from go module information: /usr/bin/${name}`);
    expect(document.packages).toHaveLength(3);
  });

  it("finds nothing in an ELF executable that is not Go's (node itself), and reads only the first 64 KiB of one that is not ELF", async () => {
    const node = await scanFilesystem(hostFilesFs({ "usr/bin/node": process.execPath }), { name: "node", created, catalogers: ["go"] });
    expect(node.document.packages).toHaveLength(1);
    expect(node.warnings).toEqual([]);
    const fs = memoryFs({ "usr/bin/installer": { content: Buffer.concat([Buffer.from("#!/bin/sh\nexit 0\n"), Buffer.alloc(8 * 1024 * 1024)]), mode: 0o755 } }, { readFile: false });
    let bytesRead = 0;
    const open = fs.open.bind(fs);
    fs.open = async (path, options) => (await open(path, options)).on("data", (chunk: Buffer) => (bytesRead += chunk.byteLength));
    await scanFilesystem(fs, { name: "installer", created, catalogers: ["go"] });
    expect(bytesRead).toBeLessThanOrEqual(64 * 1024 + 4096);
  });
});

/** esbuild's own linux-x64 binary from this workspace's node_modules, when the installed one is the release checked below. */
function esbuildBinary(version: string): string | undefined {
  const pnpmDir = join(__dirname, "../../../../node_modules/.pnpm");
  if (!existsSync(pnpmDir)) return undefined;
  const dir = readdirSync(pnpmDir).find((name) => name === `@esbuild+linux-x64@${version}`);
  const binary = dir && join(pnpmDir, dir, "node_modules/@esbuild/linux-x64/bin/esbuild");
  return binary && existsSync(binary) ? binary : undefined;
}

describe("a module-mode Go binary (esbuild 0.25.12, Go 1.18+ inline format)", expectedSkip("the expected values are esbuild 0.25.12's; the test skips once the workspace no longer installs that release"), () => {
  const binary = esbuildBinary("0.25.12");
  it.skipIf(binary === undefined)("reports the main module at its VCS pseudo-version, its dependency with the go.sum hash, and the standard library", async () => {
    const fs = hostFilesFs({ "usr/local/bin/esbuild": binary as string });
    const { document, warnings } = await scanFilesystem(fs, { name: "esbuild", created, catalogers: ["go"] });
    expect(warnings).toEqual([]);
    expect(spdxSchemaErrors(document)).toEqual([]);
    // Tag v0.25.12 of github.com/evanw/esbuild is commit 208f539945b1…, committed 2025-11-01T23:34:16Z.
    const main = byName(document, "github.com/evanw/esbuild");
    expect(main?.versionInfo).toBe("v0.0.0-20251101233416-208f539945b1");
    expect(purlOf(main)).toBe("pkg:golang/github.com/evanw/esbuild@v0.0.0-20251101233416-208f539945b1");
    // esbuild's go.mod and go.sum at v0.25.12: golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 h1:0A+M6Uqn+Eje4kHMK80dtF3JCXC4ykBgQG4Fe06QRhQ=
    const sys = byName(document, "golang.org/x/sys");
    expect(sys?.versionInfo).toBe("v0.0.0-20220715151400-c0bba94af5f8");
    expect(purlOf(sys)).toBe("pkg:golang/golang.org/x/sys@v0.0.0-20220715151400-c0bba94af5f8");
    expect(sys?.checksums).toEqual([{ algorithm: "SHA256", checksumValue: Buffer.from("0A+M6Uqn+Eje4kHMK80dtF3JCXC4ykBgQG4Fe06QRhQ=", "base64").toString("hex") }]);
    expect(byName(document, "stdlib")?.versionInfo).toBe("go1.23.12");
    expect(document.packages).toHaveLength(4);
  });
});

const R = 4;
const W = 2;
const X = 1;

/**
 * A Go 1.16-style binary: the build-info header in the data segment holds two pointers to Go
 * string headers, whose bytes are in the read-only segment, as the linker laid them out before 1.18.
 */
function pointerFormatBinary(is64: boolean, littleEndian: boolean, modinfo: string, goVersion = "go1.16.15", goNote = true): Buffer {
  const ptr = is64 ? 8 : 4;
  const rodataAt = 0x500000;
  const dataAt = 0x600010;
  const version = Buffer.from(goVersion);
  const mod = wrapModinfo(modinfo);
  const rodata = Buffer.concat([Buffer.from("some rodata first"), version, mod]);
  const versionAddr = rodataAt + 17;
  const modAddr = versionAddr + version.byteLength;
  const data = Buffer.alloc(0x100);
  BUILDINFO_MAGIC.copy(data, 0);
  data[14] = ptr;
  data[15] = littleEndian ? 0 : 1;
  const write = (at: number, value: number) => {
    if (ptr === 8) (littleEndian ? data.writeBigUInt64LE : data.writeBigUInt64BE).call(data, BigInt(value), at);
    else (littleEndian ? data.writeUInt32LE : data.writeUInt32BE).call(data, value, at);
  };
  // The pointers at 16 name string headers at 0x40 and 0x60 of the same segment.
  write(16, dataAt + 0x40);
  write(16 + ptr, dataAt + 0x60);
  write(0x40, versionAddr);
  write(0x40 + ptr, version.byteLength);
  write(0x60, modAddr);
  write(0x60 + ptr, mod.byteLength);
  // Text as large as a real Go binary's: smaller executables are not looked at.
  return buildElf({ is64, littleEndian, goNote, segments: [{ vaddr: 0x401000, flags: R | X, data: Buffer.alloc(MIN_GO_BINARY, 0x90) }, { vaddr: rodataAt, flags: R, data: rodata }, { vaddr: dataAt, flags: R | W, data }] });
}

const MODINFO = [
  "path\texample.com/tool/cmd/tool",
  "mod\texample.com/tool\tv1.2.3\th1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "dep\tgithub.com/pkg/errors\tv0.9.1\th1:FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=",
  "dep\tgolang.org/x/text\tv0.3.0",
  "=>\tgithub.com/fork/text\tv0.3.1\th1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=",
  "dep\texample.com/local\tv0.0.0",
  "=>\t../local\t(devel)\t",
  "",
].join("\n");

describe("the pre-1.18 pointer format, on synthetic ELF files", () => {
  it.each([
    ["64-bit little-endian", true, true],
    ["32-bit big-endian", false, false],
  ])("follows the pointers of a %s binary", async (_, is64, littleEndian) => {
    const fs = memoryFs({ "usr/bin/tool": { content: pointerFormatBinary(is64, littleEndian, MODINFO), mode: 0o755 } }, { readFile: false });
    const { document, warnings } = await scanFilesystem(fs, { name: "tool", created, catalogers: ["go"] });
    expect(warnings).toEqual([]);
    const found = document.packages.filter((pkg) => pkg.SPDXID !== "SPDXRef-DocumentRoot-Image-tool").map((pkg) => `${pkg.name} ${pkg.versionInfo ?? "-"} ${purlOf(pkg) ?? "-"}`);
    expect(found.sort()).toEqual(
      [
        "example.com/tool v1.2.3 pkg:golang/example.com/tool@v1.2.3",
        "github.com/pkg/errors v0.9.1 pkg:golang/github.com/pkg/errors@v0.9.1",
        // A module replaced by another module is reported as the replacement, at its version.
        "github.com/fork/text v0.3.1 pkg:golang/github.com/fork/text@v0.3.1",
        // Replaced by a local directory: the original path, and no version.
        "example.com/local - pkg:golang/example.com/local",
        "stdlib go1.16.15 pkg:golang/stdlib@1.16.15",
      ].sort(),
    );
    expect(byName(document, "github.com/pkg/errors")?.checksums).toEqual([{ algorithm: "SHA256", checksumValue: Buffer.from("FEBLx1zS214owpjy7qsBeixbURkuhQAwrK5UwLGTwt4=", "base64").toString("hex") }]);
  });

  it("finds a binary linked without Go's build-ID note (-buildid=) all the same", async () => {
    const fs = memoryFs({ "usr/bin/tool": { content: pointerFormatBinary(true, true, MODINFO, "go1.16.15", false), mode: 0o755 } });
    const { document, warnings } = await scanFilesystem(fs, { name: "tool", created, catalogers: ["go"] });
    expect(warnings).toEqual([]);
    expect(byName(document, "example.com/tool")?.versionInfo).toBe("v1.2.3");
  });

  it("warns, and goes on, where the pointers lead nowhere, the header is garbage or a Go binary is cut short", async () => {
    const broken = pointerFormatBinary(true, true, MODINFO);
    // Point the version's string header past the end of every segment.
    const dataOffset = broken.indexOf(BUILDINFO_MAGIC);
    broken.writeBigUInt64LE(0x7fff0000n, dataOffset + 16);
    // The magic followed by zeros: no pointer size, no inline flag.
    const garbage = buildElf({ is64: true, littleEndian: true, goNote: false, segments: [{ vaddr: 0x401000, flags: R | X, data: Buffer.alloc(MIN_GO_BINARY) }, { vaddr: 0x600000, flags: R | W, data: Buffer.concat([BUILDINFO_MAGIC, Buffer.alloc(64)]) }] });
    const cElf = buildElf({ is64: true, littleEndian: true, goNote: false, segments: [{ vaddr: 0x401000, flags: R | X, data: Buffer.alloc(MIN_GO_BINARY) }, { vaddr: 0x600000, flags: R | W, data: Buffer.alloc(4096, 7) }] });
    const fs = memoryFs({
      "usr/bin/broken": { content: broken, mode: 0o755 },
      "usr/bin/garbage": { content: garbage, mode: 0o755 },
      "usr/bin/c-program": { content: cElf, mode: 0o755 },
      "usr/bin/script": { content: `#!/bin/sh\n${"# long enough to be looked at, and not ELF\n".repeat(20_000)}`, mode: 0o755 },
      "usr/bin/truncated": { content: pointerFormatBinary(true, true, MODINFO).subarray(0, MIN_GO_BINARY + 200), mode: 0o755 },
      "usr/bin/small": { content: Buffer.alloc(1024), mode: 0o755 },
      "usr/bin/tool": { content: pointerFormatBinary(true, true, MODINFO), mode: 0o755 },
    });
    const { document, warnings } = await scanFilesystem(fs, { name: "junk", created, catalogers: ["go"] });
    expect(byName(document, "example.com/tool")).toBeDefined();
    expect(warnings).toEqual([
      { path: "usr/bin/broken", cataloger: "go", message: "its Go build information is not readable (truncated, or pointing outside the file)" },
      { path: "usr/bin/garbage", cataloger: "go", message: "its Go build information is not readable (truncated, or pointing outside the file)" },
      { path: "usr/bin/truncated", cataloger: "go", message: "a Go binary (it has Go's build-ID note) without build information in its data segments (packed, or stripped of it)" },
    ]);
    expect(fs.opens).not.toContain("usr/bin/small");
  });

  it("warns about build information whose module list it cannot parse, and goes on", async () => {
    const fs = memoryFs({
      "usr/bin/odd": { content: pointerFormatBinary(true, true, "path\tx\nwhat\tis this\n"), mode: 0o755 },
      "usr/bin/tool": { content: pointerFormatBinary(true, true, MODINFO), mode: 0o755 },
    });
    const { document, warnings } = await scanFilesystem(fs, { name: "junk", created, catalogers: ["go"] });
    expect(warnings).toEqual([{ path: "usr/bin/odd", cataloger: "go", message: expect.stringContaining("an unknown line") }]);
    expect(byName(document, "github.com/pkg/errors")).toBeDefined();
  });
});
