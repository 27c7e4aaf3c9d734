import { describe, expect, it } from "vitest";
import { scanFilesystem } from "../scan.js";
import type { SpdxDocument } from "../spdx/types.js";
import { memoryFs } from "../test-support/memory-fs.js";
import { spdxSchemaErrors } from "../test-support/spdx-schema.js";
import { licensesFromCopyright } from "./copyright.js";

const created = new Date("2024-06-01T00:00:00Z");
const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n';
const purls = (document: SpdxDocument) => Object.fromEntries(document.packages.filter((pkg) => pkg.externalRefs).map((pkg) => [pkg.name, pkg.externalRefs?.[0]?.referenceLocator]));

describe("dpkg's status file", () => {
  it("keeps installed packages only, skips a malformed paragraph with a warning, and reads the rest", async () => {
    const status = [
      "Package: good\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\nSource: good-src (1.0-0.1)\nMaintainer: A Person <a@example.org>\n",
      "Package: removed\nStatus: deinstall ok config-files\nVersion: 2.0\nArchitecture: all\n",
      "Package: half\nStatus: install reinstreq half-installed\nVersion: 3.0\nArchitecture: all\n",
      "Package: held\nStatus: hold ok installed\nVersion: 4.0\nArchitecture: all\nSource: heldsrc\n",
      // Junk: a line that is neither "Field: value" nor a continuation.
      "Package: broken\nStatus: install ok installed\nthis line is junk\nVersion: 5.0\n",
      "Package: noversion\nStatus: install ok installed\nArchitecture: all\n",
      "Package: multi\nStatus: install ok installed\nVersion: 1:2.3+dfsg-4\nArchitecture: amd64\nMulti-Arch: same\nConffiles:\n /etc/multi.conf 11111111111111111111111111111111\n /etc/old.conf 22222222222222222222222222222222 obsolete\n",
    ].join("\n");
    const fs = memoryFs({
      "etc/os-release": OS_RELEASE,
      "var/lib/dpkg/status": status,
      "var/lib/dpkg/info/multi:amd64.list": "/.\n/etc\n/etc/multi.conf\n/usr/lib/libmulti.so.2\n/usr/lib/libmulti.so\n/usr/lib/gone\n",
      "var/lib/dpkg/info/multi:amd64.md5sums": "33333333333333333333333333333333  usr/lib/libmulti.so.2\n",
      "etc/multi.conf": "x",
      "usr/lib/libmulti.so.2": "elf",
      "usr/lib/libmulti.so": { symlink: "libmulti.so.2" },
    });
    const { document, warnings } = await scanFilesystem(fs, { name: "t", created });
    expect(spdxSchemaErrors(document)).toEqual([]);
    expect(purls(document)).toEqual({
      good: "pkg:deb/debian/good@1.0-1?arch=amd64&distro=debian-12&upstream=good-src%401.0-0.1",
      held: "pkg:deb/debian/held@4.0?arch=all&distro=debian-12&upstream=heldsrc",
      multi: "pkg:deb/debian/multi@1:2.3+dfsg-4?arch=amd64&distro=debian-12",
    });
    expect(warnings).toEqual([
      { path: "var/lib/dpkg/status", cataloger: "dpkg", message: 'skipped the paragraph at line 24 (broken): line 26: not a "Field: value" line' },
      { path: "var/lib/dpkg/status", cataloger: "dpkg", message: "skipped the paragraph at line 29 (noversion): no Version field" },
    ]);
    const good = document.packages.find((pkg) => pkg.name === "good");
    expect(good).toMatchObject({ supplier: "Person: A Person (a@example.org)", originator: "Person: A Person (a@example.org)", licenseDeclared: "NOASSERTION", filesAnalyzed: false, downloadLocation: "NOASSERTION" });
    // Files: regular files only (the symlink and the missing path are not), MD5 from .md5sums or Conffiles.
    expect(document.files?.map((file) => [file.fileName, file.checksums])).toEqual([
      ["etc/multi.conf", [{ algorithm: "MD5", checksumValue: "11111111111111111111111111111111" }]],
      ["usr/lib/libmulti.so.2", [{ algorithm: "MD5", checksumValue: "33333333333333333333333333333333" }]],
    ]);
  });

  it("reads distroless's status.d paragraphs with the md5sums beside them", async () => {
    const fs = memoryFs({
      "etc/os-release": OS_RELEASE,
      "var/lib/dpkg/status.d/base-files": "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\nMaintainer: Santiago Vila <sanvila@debian.org>\n",
      "var/lib/dpkg/status.d/base-files.md5sums": "44444444444444444444444444444444  etc/debian_version\n",
      "var/lib/dpkg/status.d/tzdata": "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
      "var/lib/dpkg/status.d/junk": "\u0000\u0001 not a control file\n",
      "etc/debian_version": "12.5\n",
    });
    const { document, warnings } = await scanFilesystem(fs, { name: "distroless", created });
    expect(spdxSchemaErrors(document)).toEqual([]);
    expect(purls(document)).toEqual({
      "base-files": "pkg:deb/debian/base-files@12.4+deb12u5?arch=amd64&distro=debian-12",
      tzdata: "pkg:deb/debian/tzdata@2024a-0+deb12u1?arch=all&distro=debian-12",
    });
    expect(document.files?.map((file) => file.fileName)).toEqual(["etc/debian_version"]);
    expect(warnings.map((warning) => warning.path)).toEqual(["var/lib/dpkg/status.d/junk"]);
  });

  it("names Ubuntu's packages in its own namespace, and gives no purl where the distribution is unknown", async () => {
    const status = "Package: bash\nStatus: install ok installed\nVersion: 5.1-6ubuntu1\nArchitecture: amd64\n";
    const ubuntu = await scanFilesystem(memoryFs({ "etc/os-release": 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\n', "var/lib/dpkg/status": status }), { name: "u", created });
    expect(purls(ubuntu.document)).toEqual({ bash: "pkg:deb/ubuntu/bash@5.1-6ubuntu1?arch=amd64&distro=ubuntu-22.04" });
    const unknown = await scanFilesystem(memoryFs({ "var/lib/dpkg/status": status }), { name: "u", created });
    expect(purls(unknown.document)).toEqual({});
    expect(unknown.document.packages.map((pkg) => pkg.name)).toContain("bash");
  });
});

describe("Debian copyright files", () => {
  it("reads License: short names of DEP-5 files, and common-licenses mentions, as Syft does", () => {
    const dep5 = [
      "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
      "Upstream-Name: thing",
      "",
      "Files: *",
      "Copyright: 2020 Someone",
      "License: GPL-2+",
      "",
      "Files: lib/*",
      "License: BSD-3-clause",
      "",
      "License: GPL-2+",
      " On Debian systems, the full text is in /usr/share/common-licenses/GPL-2.",
      "",
      "License: none",
    ].join("\n");
    expect(licensesFromCopyright(dep5)).toEqual(["BSD-3-clause", "GPL-2", "GPL-2+"]);
    expect(licensesFromCopyright("This package was debianized by someone.\nIt is GPL, see /usr/share/common-licenses/GPL.\nLicense: MIT\n")).toEqual([]);
  });

  it("turns them into an SPDX expression, with LicenseRefs defined for names not on the list", async () => {
    const fs = memoryFs({
      "etc/os-release": OS_RELEASE,
      "var/lib/dpkg/status": "Package: thing\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n",
      "usr/share/doc/thing/copyright": "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Expat\n\nFiles: b/*\nLicense: LGPL-2.1+\n",
    });
    const { document } = await scanFilesystem(fs, { name: "t", created });
    expect(spdxSchemaErrors(document)).toEqual([]);
    expect(document.packages.find((pkg) => pkg.name === "thing")?.licenseDeclared).toBe("LicenseRef-Expat AND LGPL-2.1-or-later");
    expect(document.hasExtractedLicensingInfos).toEqual([{ licenseId: "LicenseRef-Expat", extractedText: "NOASSERTION", name: "Expat" }]);
  });
});
