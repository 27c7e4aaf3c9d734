import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, lstatSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { join, posix } from "node:path";
import { PackageURL } from "packageurl-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFsSource, tarChainFsSource, walkContext, type FsSource } from "@exp/solver";
import { debianBaseRootfs, skipUnlessRoot, skipUnlessTools, tempDir, type TempDir } from "@exp/testing";
import { scanFilesystem, scanLayers, type ScanResult } from "../scan.js";
import type { SpdxPackage } from "../spdx/types.js";
import { spdxSchemaErrors } from "../test-support/spdx-schema.js";

const created = new Date("2024-06-01T00:00:00Z");

/** What dpkg itself says is installed, asked with dpkg-query against the rootfs's database. */
interface DpkgRow {
  name: string;
  version: string;
  arch: string;
  source: string;
}

/**
 * Where a path of the rootfs leads, following its symlinks on disk with the rootfs as "/" (the
 * host's realpath would take /lib64's absolute link out of it); relative to the root.
 */
function realPathIn(root: string, path: string): string | undefined {
  const pending = path.split("/").filter(Boolean);
  const done: string[] = [];
  for (let hops = 0; pending.length > 0; ) {
    const part = pending.shift() as string;
    if (part === "..") {
      done.pop();
      continue;
    }
    const candidate = [...done, part].join("/");
    let stat;
    try {
      stat = lstatSync(join(root, candidate));
    } catch {
      return undefined;
    }
    if (!stat.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > 40) return undefined;
    const target = readlinkSync(join(root, candidate));
    if (posix.isAbsolute(target)) done.length = 0;
    pending.unshift(...target.split("/").filter((item) => item !== "" && item !== "."));
  }
  return done.join("/");
}

describe.skipIf(skipUnlessTools("mmdebstrap", "dpkg-query", "tar") || skipUnlessRoot("mmdebstrap --mode=root makes the Debian base"))("the Debian bookworm base, scanned through its layer tar", () => {
  let work: TempDir;
  let root: string;
  let fromTar: ScanResult;
  let tarSeconds: number;
  let installed: DpkgRow[];
  let versionId: string;

  beforeAll(async () => {
    const rootfs = await debianBaseRootfs();
    work = await tempDir("exp-sbom-debian-");
    root = join(work.path, "rootfs");
    execFileSync("mkdir", ["-p", root]);
    // The same tar, unpacked, for dpkg-query and for an independent look at the files (as root: owners and devices kept).
    execFileSync("tar", ["-xf", rootfs, "-C", root]);
    const query = execFileSync("dpkg-query", [`--admindir=${root}/var/lib/dpkg`, "-W", "-f", "${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${Source}\n"], { encoding: "utf8" });
    installed = query
      .split("\n")
      .filter((line) => line.startsWith("ii"))
      .map((line) => {
        const [, name, version, arch, source] = line.split("\t") as string[];
        return { name: name as string, version: version as string, arch: arch as string, source: source ?? "" };
      });
    versionId = /^VERSION_ID="?([^"\n]*)"?$/m.exec(readFileSync(realpathSync(join(root, "etc/os-release")), "utf8"))?.[1] as string;

    // The layer as exp holds it: one uncompressed tar, read at random by byte range.
    const fs = tarChainFsSource([{ open: async () => createReadStream(rootfs), openRange: async (start, size) => createReadStream(rootfs, { start, end: start + size - 1 }) }]);
    await fs.list();
    const started = performance.now();
    fromTar = await scanFilesystem(fs, { name: "debian:bookworm-min", created });
    tarSeconds = (performance.now() - started) / 1000;
  }, 15 * 60_000);
  afterAll(async () => {
    await work?.cleanup();
  });

  const debs = (): SpdxPackage[] => fromTar.document.packages.filter((pkg) => pkg.SPDXID.startsWith("SPDXRef-Package-deb-"));

  it("is a valid SPDX 2.3 document with no warnings, made in a few seconds at most", () => {
    expect(spdxSchemaErrors(fromTar.document)).toEqual([]);
    expect(fromTar.warnings).toEqual([]);
    console.log(`Debian base: ${debs().length} packages, ${fromTar.document.files?.length} files, scanned in ${tarSeconds.toFixed(2)} s after the tar was indexed`);
    expect(tarSeconds).toBeLessThan(15);
  });

  it("has exactly the packages dpkg-query says are installed, at their versions", () => {
    expect(installed.length).toBeGreaterThan(50);
    const found = debs().map((pkg) => `${pkg.name} ${pkg.versionInfo}`).sort();
    expect(found).toEqual(installed.map((row) => `${row.name} ${row.version}`).sort());
  });

  it("names each with the purl Syft gives it: arch, distro=debian-<VERSION_ID>, upstream=<Source>", () => {
    expect(versionId).toMatch(/^\d+$/);
    for (const row of installed) {
      const pkg = debs().find((item) => item.name === row.name) as SpdxPackage;
      const purl = PackageURL.fromString(pkg.externalRefs?.[0]?.referenceLocator as string);
      const sourceMatch = /^(\S+)(?: \((.*)\))?$/.exec(row.source);
      const upstream = row.source === "" ? undefined : sourceMatch?.[2] ? `${sourceMatch[1]}@${sourceMatch[2]}` : sourceMatch?.[1];
      expect({ type: purl.type, namespace: purl.namespace, name: purl.name, version: purl.version, qualifiers: purl.qualifiers }).toEqual({
        type: "deb",
        namespace: "debian",
        name: row.name,
        version: row.version,
        qualifiers: { arch: row.arch, distro: `debian-${versionId}`, ...(upstream ? { upstream } : {}) },
      });
    }
  });

  it("gives each package the regular files dpkg lists for it, in their real directories, with dpkg's MD5 of their content", () => {
    const names = installed.map((row) => row.name);
    // One dpkg-query for all: the lists come back one after the other, a blank line between.
    const lists = execFileSync("dpkg-query", [`--admindir=${root}/var/lib/dpkg`, "-L", ...names], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).split("\n\n");
    expect(lists).toHaveLength(names.length);
    const fileIds = new Map((fromTar.document.files ?? []).map((file) => [file.SPDXID, file]));
    names.forEach((name, index) => {
      const expected = new Set<string>();
      for (const listed of (lists[index] as string).split("\n").filter((line) => line.startsWith("/"))) {
        // Directories resolved (/bin is usr/bin), the name itself not: a listed symlink is the link, not a file.
        const dir = realPathIn(root, posix.dirname(listed));
        if (dir === undefined) continue;
        const real = posix.join(dir, posix.basename(listed));
        if (lstatSync(join(root, real), { throwIfNoEntry: false })?.isFile()) expected.add(real);
      }
      const pkg = debs().find((item) => item.name === name) as SpdxPackage;
      const owned = fromTar.document.relationships.filter((rel) => rel.spdxElementId === pkg.SPDXID && rel.relationshipType === "CONTAINS").map((rel) => fileIds.get(rel.relatedSpdxElement)?.fileName);
      expect(new Set(owned), name).toEqual(expected);
    });
    const coreutils = debs().find((pkg) => pkg.name === "coreutils") as SpdxPackage;
    expect(fromTar.document.relationships.some((rel) => rel.spdxElementId === coreutils.SPDXID && fileIds.get(rel.relatedSpdxElement)?.fileName === "usr/bin/ls")).toBe(true);

    let compared = 0;
    for (const file of fromTar.document.files ?? []) {
      const md5 = file.checksums.find((checksum) => checksum.algorithm === "MD5");
      if (!md5) continue;
      expect(md5.checksumValue, file.fileName).toBe(createHash("md5").update(readFileSync(join(root, file.fileName))).digest("hex"));
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it("declares the licences of machine-readable copyright files, and none for the others", () => {
    const grep = debs().find((pkg) => pkg.name === "grep") as SpdxPackage;
    // grep's debian/copyright: "License: GPL-3+".
    expect(grep.licenseDeclared.split(" AND ")).toContain("GPL-3.0-or-later");
    for (const pkg of debs()) {
      const copyright = join(root, "usr/share/doc", pkg.name, "copyright");
      let dep5 = false;
      try {
        dep5 = /^\s*Format:\s*https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\//.test(readFileSync(copyright, "utf8"));
      } catch {
        dep5 = false;
      }
      if (!dep5) expect(pkg.licenseDeclared, pkg.name).toBe("NOASSERTION");
    }
    for (const ref of fromTar.document.hasExtractedLicensingInfos ?? []) expect(ref.licenseId).toMatch(/^LicenseRef-[A-Za-z0-9.-]+$/);
  });

  it("is the same document from scanLayers, which streams the layer three times instead of once a file", async () => {
    let opens = 0;
    const rootfs = await debianBaseRootfs();
    const started = performance.now();
    const fromLayers = await scanLayers([{ open: async () => (opens++, createReadStream(rootfs)) }], { name: "debian:bookworm-min", created });
    console.log(`Debian base through scanLayers, no random access: ${((performance.now() - started) / 1000).toFixed(2)} s, the layer streamed ${opens} times`);
    expect(fromLayers.document).toEqual(fromTar.document);
    expect(opens).toBeLessThanOrEqual(3);
  });

  it("is the same document when the unpacked tree is scanned as a directory", async () => {
    const fs: FsSource = contextFsSource(root, await walkContext(root));
    const fromDir = await scanFilesystem(fs, { name: "debian:bookworm-min", created });
    expect(fromDir.document).toEqual(fromTar.document);
  });
});
