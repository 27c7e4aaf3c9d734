import { describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { predicateTypes, type FsSource } from "@exp/solver";
import { SBOM_PATH, sbomAttestation, stageSbomPath } from "./attestation.js";
import { scanFilesystem } from "./scan.js";
import { memoryFs } from "./test-support/memory-fs.js";
import { spdxSchemaErrors } from "./test-support/spdx-schema.js";

const created = new Date("2024-06-01T12:34:56.789Z");
const files = {
  "etc/os-release": 'ID=debian\nVERSION_ID="12"\n',
  "var/lib/dpkg/status": "Package: b\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n\nPackage: a\nStatus: install ok installed\nVersion: 2\nArchitecture: all\n",
  "var/lib/dpkg/info/a.list": "/usr/share/a/x\n/usr/share/a/y\n",
  "var/lib/dpkg/info/b.list": "/usr/share/a/x\n",
  "usr/share/a/x": "x",
  "usr/share/a/y": "y",
  "srv/node_modules/left-pad/package.json": JSON.stringify({ name: "left-pad", version: "1.3.0", license: "WTFPL" }),
};

describe("scanFilesystem", () => {
  it("gives the same bytes for the same filesystem and time, a new namespace for another time", async () => {
    const first = await scanFilesystem(memoryFs(files), { name: "img:1", created });
    const again = await scanFilesystem(memoryFs(files), { name: "img:1", created });
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    const later = await scanFilesystem(memoryFs(files), { name: "img:1", created: new Date("2024-06-02T00:00:00Z") });
    expect(later.document.documentNamespace).not.toBe(first.document.documentNamespace);
    const changed = await scanFilesystem(memoryFs({ ...files, "usr/share/a/y": "changed" }), { name: "img:1", created });
    // The content of owned files is not read, so it does not change the document; a new package does.
    expect(changed.document.documentNamespace).toBe(first.document.documentNamespace);
    const more = await scanFilesystem(memoryFs({ ...files, "srv/node_modules/is-odd/package.json": JSON.stringify({ name: "is-odd", version: "3.0.1" }) }), { name: "img:1", created });
    expect(more.document.documentNamespace).not.toBe(first.document.documentNamespace);
  });

  it("lays the document out as Syft does: a root the document describes, which contains every package, each containing its files", async () => {
    const { document } = await scanFilesystem(memoryFs(files), { name: "img:1", created, version: "1" });
    expect(spdxSchemaErrors(document)).toEqual([]);
    expect(document.creationInfo).toEqual({
      created: "2024-06-01T12:34:56Z",
      creators: ["Organization: exp", "Tool: exp-sbom-0.1.0"],
      licenseListVersion: "3.28",
      comment: expect.stringContaining("File checksums are those the package managers recorded"),
    });
    expect(document.documentNamespace).toMatch(/^https:\/\/exp\.invalid\/sbom\/image\/img-1-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const root = document.packages.at(-1);
    expect(root).toMatchObject({ SPDXID: "SPDXRef-DocumentRoot-Image-img-1", name: "img:1", versionInfo: "1", primaryPackagePurpose: "CONTAINER" });
    const id = (name: string) => document.packages.find((pkg) => pkg.name === name)?.SPDXID as string;
    const fileId = (name: string) => document.files?.find((file) => file.fileName === name)?.SPDXID as string;
    expect(document.relationships).toEqual([
      { spdxElementId: id("a"), relationshipType: "CONTAINS", relatedSpdxElement: fileId("usr/share/a/x") },
      { spdxElementId: id("a"), relationshipType: "CONTAINS", relatedSpdxElement: fileId("usr/share/a/y") },
      // A file two packages list is one file, contained by both.
      { spdxElementId: id("b"), relationshipType: "CONTAINS", relatedSpdxElement: fileId("usr/share/a/x") },
      { spdxElementId: root?.SPDXID, relationshipType: "CONTAINS", relatedSpdxElement: id("a") },
      { spdxElementId: root?.SPDXID, relationshipType: "CONTAINS", relatedSpdxElement: id("b") },
      { spdxElementId: root?.SPDXID, relationshipType: "CONTAINS", relatedSpdxElement: id("left-pad") },
      { spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: root?.SPDXID },
    ]);
    expect(id("a")).toMatch(/^SPDXRef-Package-deb-a-[0-9a-f]{16}$/);
    expect(fileId("usr/share/a/x")).toMatch(/^SPDXRef-File-usr-share-a-x-[0-9a-f]{16}$/);
    expect(document.packages.find((pkg) => pkg.name === "left-pad")?.licenseDeclared).toBe("WTFPL");
  });

  it("leaves files out when asked, and names a directory scan as Syft does", async () => {
    const { document } = await scanFilesystem(memoryFs(files), { name: "/src/app", created, files: false, kind: "directory", namespacePrefix: "https://builds.example.org/sboms/" });
    expect(document.files).toBeUndefined();
    expect(document.relationships.every((rel) => !rel.relatedSpdxElement.startsWith("SPDXRef-File-"))).toBe(true);
    expect(document.packages.at(-1)).toMatchObject({ SPDXID: "SPDXRef-DocumentRoot-Directory--src-app", primaryPackagePurpose: "FILE" });
    expect(document.documentNamespace).toMatch(/^https:\/\/builds\.example\.org\/sboms\/dir\/src\/app-[0-9a-f-]{36}$/);
    expect(spdxSchemaErrors(document)).toEqual([]);
  });

  it("makes an empty but valid document of an empty filesystem", async () => {
    const { document, warnings } = await scanFilesystem(memoryFs({}), { name: "scratch", created });
    expect(warnings).toEqual([]);
    expect(document.packages).toHaveLength(1);
    expect(spdxSchemaErrors(document)).toEqual([]);
  });

  it("refuses bad options with ERR_SBOM_OPTION", async () => {
    const fs = memoryFs({});
    const refused = async (options: Parameters<typeof scanFilesystem>[1]) => scanFilesystem(fs, options).catch((error: unknown) => error);
    expect(isExpError(await refused({ name: "", created }), "ERR_SBOM_OPTION")).toBe(true);
    expect(isExpError(await refused({ name: "x", created: new Date("not a date") }), "ERR_SBOM_OPTION")).toBe(true);
    expect(isExpError(await refused({ name: "x", created, catalogers: ["rpm" as "dpkg"] }), "ERR_SBOM_OPTION")).toBe(true);
  });

  it("fails with ERR_SBOM_READ when the filesystem cannot be listed, and with ERR_ABORTED when aborted", async () => {
    const broken: FsSource = {
      list: async () => {
        throw new Error("layer blob missing");
      },
      open: async () => {
        throw new Error("unreachable");
      },
    };
    const error = await scanFilesystem(broken, { name: "x", created }).catch((caught: unknown) => caught);
    expect(isExpError(error, "ERR_SBOM_READ")).toBe(true);
    expect((error as Error).message).toContain("layer blob missing");

    const controller = new AbortController();
    controller.abort();
    expect(isExpError(await scanFilesystem(memoryFs(files), { name: "x", created, signal: controller.signal }).catch((caught: unknown) => caught), "ERR_ABORTED")).toBe(true);

    // Aborted while reading: the reads see the signal.
    const slow = memoryFs(files);
    const later = new AbortController();
    const readFile = slow.readFile?.bind(slow) as NonNullable<FsSource["readFile"]>;
    slow.readFile = async (path, options) => {
      later.abort();
      return readFile(path, options);
    };
    expect(isExpError(await scanFilesystem(slow, { name: "x", created, signal: later.signal }).catch((caught: unknown) => caught), "ERR_ABORTED")).toBe(true);
  });

  it("records a file it cannot read as a warning and goes on", async () => {
    const fs = memoryFs(files);
    const readFile = fs.readFile?.bind(fs) as NonNullable<FsSource["readFile"]>;
    fs.readFile = async (path, options) => {
      if (path === "var/lib/dpkg/info/a.list") throw new Error("EIO: i/o error");
      return readFile(path, options);
    };
    const { document, warnings } = await scanFilesystem(fs, { name: "x", created });
    expect(warnings).toEqual([{ path: "var/lib/dpkg/info/a.list", cataloger: "dpkg", message: "EIO: i/o error" }]);
    expect(document.packages.map((pkg) => pkg.name)).toContain("a");
  });
});

describe("sbomAttestation", () => {
  it("is BuildKit's SPDX attestation: predicate type https://spdx.dev/Document, file sbom.spdx.json, or sbom-<stage>.spdx.json for a stage", async () => {
    const { document } = await scanFilesystem(memoryFs(files), { name: "img:1", created });
    expect(sbomAttestation(document)).toEqual({ predicateType: "https://spdx.dev/Document", path: "sbom.spdx.json", predicate: document });
    expect(predicateTypes.spdx).toBe("https://spdx.dev/Document");
    expect(SBOM_PATH).toBe("sbom.spdx.json");
    expect(sbomAttestation(document, stageSbomPath("build")).path).toBe("sbom-build.spdx.json");
    // The predicate survives JSON unchanged, as the exporters need.
    expect(JSON.parse(JSON.stringify(sbomAttestation(document).predicate))).toEqual(document);
  });
});

describe("listings without directory entries", () => {
  it("finds files whose parent directories are not listed, as in a tar made of files only", async () => {
    const fs = memoryFs({ "etc/os-release": "ID=alpine\nVERSION_ID=3.19.1\n", "lib/apk/db/installed": "P:musl\nV:1.2.4-r4\nA:x86_64\nL:MIT\n\n" });
    const list = fs.list.bind(fs);
    fs.list = async () => (await list()).filter((entry) => entry.type !== "dir");
    const { document } = await scanFilesystem(fs, { name: "x", created });
    expect(document.packages[0]?.externalRefs?.[0]?.referenceLocator).toBe("pkg:apk/alpine/musl@1.2.4-r4?arch=x86_64&distro=alpine-3.19.1");
  });
});

describe("reading", () => {
  it("streams a metadata file too large for readFile", async () => {
    const big = `${"Package: filler\nStatus: deinstall ok config-files\nVersion: 1\n\n".repeat(6000)}Package: real\nStatus: install ok installed\nVersion: 2\nArchitecture: all\n`;
    const fs = memoryFs({ "var/lib/dpkg/status": big });
    const readFile = fs.readFile?.bind(fs) as NonNullable<FsSource["readFile"]>;
    const wholeReads: string[] = [];
    fs.readFile = async (path, options) => (wholeReads.push(path), readFile(path, options));
    const { document } = await scanFilesystem(fs, { name: "x", created, catalogers: ["dpkg"] });
    expect(big.length).toBeGreaterThan(256 * 1024);
    expect(document.packages.map((pkg) => pkg.name)).toEqual(["real", "x"]);
    expect(wholeReads).toEqual([]);
    expect(fs.opens).toEqual(["var/lib/dpkg/status"]);
  });
});
