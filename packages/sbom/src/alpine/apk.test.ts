import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { scanFilesystem } from "../scan.js";
import { memoryFs } from "../test-support/memory-fs.js";
import { spdxSchemaErrors } from "../test-support/spdx-schema.js";

const created = new Date("2024-06-01T00:00:00Z");
/** apk's file checksum notation: "Q1" and the base64 of the content's SHA-1. */
const q1 = (content: string) => `Q1${createHash("sha1").update(content).digest("base64")}`;
const sha1 = (content: string) => createHash("sha1").update(content).digest("hex");

const LD_MUSL = "\u007fELF musl loader";
const BUSYBOX = "\u007fELF busybox";

// The layout of apk-tools' lib/apk/db/installed, as Alpine 3.19 writes it (fields in its order).
const INSTALLED = [
  "C:Q1yVwRXe0d0bBxtTB1a3sKoz2Mgn8=",
  "P:musl",
  "V:1.2.4_git20230717-r4",
  "A:x86_64",
  "S:407278",
  "I:662528",
  "T:the musl c library (libc) implementation",
  "U:https://musl.libc.org/",
  "L:MIT",
  "o:musl",
  "m:Timo Teräs <timo.teras@iki.fi>",
  "t:1704887458",
  "c:d0de4e3b1b81bc48e6db5b2d2a0e8b1dd0ed7d62",
  "p:so:libc.musl-x86_64.so.1=1",
  "F:lib",
  "R:ld-musl-x86_64.so.1",
  "a:0:0:755",
  `Z:${q1(LD_MUSL)}`,
  "R:libc.musl-x86_64.so.1",
  "a:0:0:777",
  "Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=",
  "",
  "C:Q1Xq3hXV6Ey38AXXbCXE3FXUfTLTg=",
  "P:busybox-binsh",
  "V:1.36.1-r15",
  "A:x86_64",
  "T:busybox ash /bin/sh",
  "U:https://busybox.net/",
  "L:GPL-2.0-only",
  "o:busybox",
  "m:Sören Tempel <soeren+alpine@soeren-tempel.net>",
  "D:busybox=1.36.1-r15",
  "F:bin",
  "R:sh",
  "a:0:0:777",
  "Z:Q1pcfTfDNEbNKQc2s1tia7da05M8Q=",
  "F:usr",
  "F:usr/bin",
  "R:busybox",
  `Z:${q1(BUSYBOX)}`,
  "",
  "P:oldstyle",
  "V:0.9-r0",
  "A:noarch",
  "L:MIT BSD GPL2+",
  "o:oldstyle",
  "",
  "P:mangled",
  "this line has no field letter",
  "V:1.0-r0",
  "",
].join("\n");

describe("Alpine's apk database", () => {
  it("reads each package with its purl, licence, maintainer and files (with apk's SHA-1s)", async () => {
    const fs = memoryFs({
      "etc/os-release": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n',
      "lib/apk/db/installed": INSTALLED,
      "lib/ld-musl-x86_64.so.1": LD_MUSL,
      "lib/libc.musl-x86_64.so.1": { symlink: "ld-musl-x86_64.so.1" },
      "bin/sh": { symlink: "/usr/bin/busybox" },
      "usr/bin/busybox": BUSYBOX,
    });
    const { document, warnings } = await scanFilesystem(fs, { name: "alpine:3.19", created });
    expect(spdxSchemaErrors(document)).toEqual([]);
    expect(warnings).toEqual([{ path: "lib/apk/db/installed", cataloger: "apk", message: 'skipped the record at line 48 (mangled): line 49: not a "X:value" line' }]);
    const summary = document.packages
      .filter((pkg) => pkg.externalRefs)
      .map((pkg) => ({ name: pkg.name, version: pkg.versionInfo, purl: pkg.externalRefs?.[0]?.referenceLocator, license: pkg.licenseDeclared, originator: pkg.originator }));
    expect(summary).toEqual([
      { name: "busybox-binsh", version: "1.36.1-r15", purl: "pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.19.1&upstream=busybox", license: "GPL-2.0-only", originator: "Person: Sören Tempel (soeren+alpine@soeren-tempel.net)" },
      { name: "musl", version: "1.2.4_git20230717-r4", purl: "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1", license: "MIT", originator: "Person: Timo Teräs (timo.teras@iki.fi)" },
      // "MIT BSD GPL2+" is no SPDX expression: split on spaces, as Syft does; BSD names no one licence.
      { name: "oldstyle", version: "0.9-r0", purl: "pkg:apk/alpine/oldstyle@0.9-r0?arch=noarch&distro=alpine-3.19.1", license: "MIT AND LicenseRef-BSD AND GPL-2.0-or-later", originator: undefined },
    ]);
    expect(document.packages.find((pkg) => pkg.name === "musl")).toMatchObject({ description: "the musl c library (libc) implementation", homepage: "https://musl.libc.org/", sourceInfo: "acquired package info from APK DB: /lib/apk/db/installed" });
    // The symlinks resolve to files already listed: each file once, with the SHA-1 apk recorded, which is its content's.
    expect(document.files?.map((file) => [file.fileName, file.checksums])).toEqual([
      ["lib/ld-musl-x86_64.so.1", [{ algorithm: "SHA1", checksumValue: sha1(LD_MUSL) }]],
      ["usr/bin/busybox", [{ algorithm: "SHA1", checksumValue: sha1(BUSYBOX) }]],
    ]);
  });

  it("says nothing of a filesystem without the database, and warns of one it cannot read", async () => {
    const none = await scanFilesystem(memoryFs({ "etc/os-release": "ID=alpine\n" }), { name: "x", created, catalogers: ["apk"] });
    expect(none.document.packages).toHaveLength(1);
    expect(none.warnings).toEqual([]);
    const dir = await scanFilesystem(memoryFs({ "lib/apk/db/installed": { symlink: "installed" } }), { name: "x", created, catalogers: ["apk"] });
    expect(dir.warnings).toEqual([]);
  });
});
