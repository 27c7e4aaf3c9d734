import { createHash } from "node:crypto";
import { declaredLicense } from "../license/declared-license.js";
import { LICENSE_LIST_VERSION } from "../license/license-ids.js";
import type { FoundPackage } from "../model.js";
import { fileSpdxId, packageSpdxId, sanitizeElementId, shortHash } from "./ids.js";
import type { SpdxChecksum, SpdxDocument, SpdxExtractedLicense, SpdxFile, SpdxPackage, SpdxRelationship } from "./types.js";

const NOASSERTION = "NOASSERTION";
// Syft's stand-in for a file it has no digest of: the schema requires a checksum on every file.
const NO_CHECKSUM: SpdxChecksum = { algorithm: "SHA1", checksumValue: "0000000000000000000000000000000000000000" };

export interface DocumentInput {
  name: string;
  /** What was scanned: an image's filesystem (root purpose CONTAINER) or a directory (FILE), as Syft's DocumentRoot-Image/-Directory. */
  kind: "image" | "directory";
  /** YYYY-MM-DDThh:mm:ssZ */
  created: string;
  toolVersion: string;
  namespacePrefix: string;
  /** A version for the root package (an image's tag), when there is one. */
  version?: string;
  /** Include the files packages own (files and package CONTAINS file relationships). */
  includeFiles: boolean;
}

/**
 * The SPDX 2.3 document for the packages found, laid out as Syft's spdxhelpers.ToFormatModel
 * lays it out: a root package for the scanned filesystem that the document DESCRIBES and that
 * CONTAINS every package, each package CONTAINS the files it owns, packages with
 * filesAnalyzed false and licenseDeclared from their metadata. Everything is sorted and every ID
 * derived from content, so the same input (and `created`) gives the same bytes; the namespace ends
 * in a digest of the rest of the document.
 */
export function toSpdxDocument(found: readonly FoundPackage[], input: DocumentInput): SpdxDocument {
  const rootId = `SPDXRef-DocumentRoot-${input.kind === "image" ? "Image" : "Directory"}-${sanitizeElementId(input.name)}`;
  const packages: SpdxPackage[] = [];
  const relationships: SpdxRelationship[] = [];
  const files = new Map<string, SpdxFile>();
  const extracted = new Map<string, SpdxExtractedLicense>();
  const usedIds = new Set<string>([rootId]);

  for (const item of [...found].sort(comparePackages)) {
    const locations = [...item.locations].sort();
    let id = packageSpdxId(item.type, item.name, shortHash(item.type, item.name, item.version, item.purl ?? "", ...locations));
    // Two packages with the same identity are merged by their cataloger; this only guards the ID's uniqueness.
    for (let n = 2; usedIds.has(id); n++) id = `${id}-${n}`;
    usedIds.add(id);
    const license = declaredLicense(item.licenses);
    for (const ref of license.extracted) extracted.set(ref.licenseId, ref);
    // Keys in the order Syft's encoder (spdx/tools-golang) writes them.
    packages.push({
      name: item.name,
      SPDXID: id,
      ...(item.version !== "" ? { versionInfo: item.version } : {}),
      supplier: item.supplier ?? NOASSERTION,
      ...(item.originator ? { originator: item.originator } : {}),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      ...(item.checksums && item.checksums.length > 0 ? { checksums: item.checksums } : {}),
      ...(item.homepage && /^https?:\/\/\S+$/.test(item.homepage) ? { homepage: item.homepage } : {}),
      sourceInfo: `${item.foundBy}: ${locations.map((location) => `/${location}`).join(", ")}`,
      licenseConcluded: NOASSERTION,
      licenseDeclared: license.expression,
      copyrightText: NOASSERTION,
      ...(item.description ? { description: item.description } : {}),
      ...(item.purl ? { externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: item.purl }] } : {}),
    });
    if (!input.includeFiles) continue;
    for (const owned of [...item.files].sort((a, b) => compareStrings(a.path, b.path))) {
      let file = files.get(owned.path);
      if (!file) {
        file = { fileName: owned.path, SPDXID: fileSpdxId(owned.path), checksums: [], licenseConcluded: NOASSERTION, licenseInfoInFiles: [NOASSERTION], copyrightText: NOASSERTION };
        files.set(owned.path, file);
      }
      for (const checksum of owned.checksums) if (!file.checksums.some((known) => known.algorithm === checksum.algorithm)) file.checksums.push(checksum);
      relationships.push({ spdxElementId: id, relatedSpdxElement: file.SPDXID, relationshipType: "CONTAINS" });
    }
  }

  const fileList = [...files.values()].sort((a, b) => compareStrings(a.fileName, b.fileName));
  for (const file of fileList) {
    if (file.checksums.length === 0) file.checksums.push(NO_CHECKSUM);
    file.checksums.sort((a, b) => compareStrings(a.algorithm, b.algorithm));
  }
  for (const pkg of packages) relationships.push({ spdxElementId: rootId, relatedSpdxElement: pkg.SPDXID, relationshipType: "CONTAINS" });
  relationships.push({ spdxElementId: "SPDXRef-DOCUMENT", relatedSpdxElement: rootId, relationshipType: "DESCRIBES" });
  packages.push({
    name: input.name,
    SPDXID: rootId,
    ...(input.version ? { versionInfo: input.version } : {}),
    supplier: NOASSERTION,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: input.kind === "image" ? "CONTAINER" : "FILE",
  });

  const document: SpdxDocument = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: input.name,
    documentNamespace: "",
    creationInfo: {
      licenseListVersion: LICENSE_LIST_VERSION,
      creators: ["Organization: exp", `Tool: exp-sbom-${input.toolVersion}`],
      created: input.created,
      // Said once for every file: their checksums were not computed by reading them.
      ...(input.includeFiles && fileList.length > 0 ? { comment: "File checksums are those the package managers recorded (dpkg md5sums and conffiles, apk Z:, wheel RECORD); a file without one has the all-zero SHA1, as Syft writes." } : {}),
    },
    packages,
    ...(input.includeFiles ? { files: fileList } : {}),
    ...(extracted.size > 0 ? { hasExtractedLicensingInfos: [...extracted.values()].sort((a, b) => compareStrings(a.licenseId, b.licenseId)) } : {}),
    relationships,
  };
  document.documentNamespace = namespaceOf(document, input);
  return document;
}

/**
 * A unique URI for this document (clause 6.5) that is still the same for the same input: the
 * prefix, the kind and name (as Syft's DocumentNamespace: "#" and ":" replaced), and where Syft
 * puts a random UUID, one made of the SHA-256 of the document's content.
 */
function namespaceOf(document: SpdxDocument, input: DocumentInput): string {
  const digest = createHash("sha256").update(JSON.stringify(document)).digest("hex");
  const uuid = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
  const name = input.name.replace(/[#:]/g, "-").replace(/^\/+/, "");
  const kind = input.kind === "image" ? "image" : "dir";
  return `${input.namespacePrefix.replace(/\/+$/, "")}/${kind}/${encodeURIComponent(name).replace(/%2F/g, "/")}-${uuid}`;
}

function comparePackages(a: FoundPackage, b: FoundPackage): number {
  return compareStrings(a.type, b.type) || compareStrings(a.name, b.name) || compareStrings(a.version, b.version) || compareStrings(a.purl ?? "", b.purl ?? "") || compareStrings([...a.locations].sort().join("\n"), [...b.locations].sort().join("\n"));
}

/** Code-unit order, not the locale's: the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
