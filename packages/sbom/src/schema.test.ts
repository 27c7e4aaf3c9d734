import { describe, expect, it } from "vitest";
import { scanFilesystem } from "./scan.js";
import { memoryFs } from "./test-support/memory-fs.js";
import { spdxSchemaErrors } from "./test-support/spdx-schema.js";

const created = new Date("2024-01-02T03:04:05.678Z");

async function smallDocument() {
  const fs = memoryFs({
    "etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
    "var/lib/dpkg/status": "Package: hello\nStatus: install ok installed\nVersion: 2.10-3\nArchitecture: amd64\nMaintainer: Santiago Vila <sanvila@debian.org>\n\n",
    "var/lib/dpkg/info/hello.list": "/.\n/usr\n/usr/bin\n/usr/bin/hello\n",
    "var/lib/dpkg/info/hello.md5sums": "0123456789abcdef0123456789abcdef  usr/bin/hello\n",
    "usr/bin/hello": { content: "binary", mode: 0o755 },
  });
  return (await scanFilesystem(fs, { name: "example:latest", created })).document;
}

describe("the SPDX 2.3 schema check", () => {
  it("accepts what scanFilesystem makes", async () => {
    const document = await smallDocument();
    expect(document.packages.length).toBe(2);
    expect(spdxSchemaErrors(document)).toEqual([]);
  });

  // The check is only worth something if it can fail: each of these breaks one rule of the schema.
  const breakages: [string, (doc: Record<string, unknown>) => void][] = [
    ["a required top-level field is missing", (doc) => delete doc.dataLicense],
    ["creationInfo lacks creators", (doc) => delete (doc.creationInfo as Record<string, unknown>).creators],
    ["a package lacks downloadLocation", (doc) => delete (doc.packages as Record<string, unknown>[])[0]?.downloadLocation],
    ["a file has no checksums", (doc) => delete (doc.files as Record<string, unknown>[])[0]?.checksums],
    ["a checksum algorithm is not one SPDX knows", (doc) => (((doc.files as Record<string, unknown>[])[0]?.checksums as Record<string, unknown>[])[0]!.algorithm = "CRC32")],
    ["an external reference has a category that does not exist", (doc) => (((doc.packages as Record<string, unknown>[])[0]?.externalRefs as Record<string, unknown>[])[0]!.referenceCategory = "PACKAGE_MANAGER")],
    ["a relationship type is unknown", (doc) => ((doc.relationships as Record<string, unknown>[])[0]!.relationshipType = "OWNS")],
    ["a package has a field SPDX 2.3 does not define", (doc) => ((doc.packages as Record<string, unknown>[])[0]!.purl = "pkg:deb/debian/hello@2.10-3")],
    ["filesAnalyzed is a string", (doc) => ((doc.packages as Record<string, unknown>[])[0]!.filesAnalyzed = "false")],
  ];
  it.each(breakages)("rejects a document where %s", async (_, breakIt) => {
    const document = JSON.parse(JSON.stringify(await smallDocument())) as Record<string, unknown>;
    breakIt(document);
    expect(spdxSchemaErrors(document).length).toBeGreaterThan(0);
  });
});
