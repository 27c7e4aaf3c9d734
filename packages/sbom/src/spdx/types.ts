/**
 * The part of SPDX 2.3's JSON model that exp writes, named as the JSON schema names it
 * (spdx/spdx-spec schemas/spdx-schema.json at v2.3). npm has no maintained SPDX 2.3 model to
 * import (see the README), so these are written from the schema; the tests validate every
 * document against it.
 */
export interface SpdxDocument {
  spdxVersion: "SPDX-2.3";
  dataLicense: "CC0-1.0";
  SPDXID: "SPDXRef-DOCUMENT";
  name: string;
  /** A unique absolute URI without "#" (clause 6.5). */
  documentNamespace: string;
  creationInfo: SpdxCreationInfo;
  packages: SpdxPackage[];
  files?: SpdxFile[];
  /** Licences that are not on the SPDX list, referred to as LicenseRef-… in the packages. */
  hasExtractedLicensingInfos?: SpdxExtractedLicense[];
  relationships: SpdxRelationship[];
}

export interface SpdxCreationInfo {
  /** YYYY-MM-DDThh:mm:ssZ */
  created: string;
  /** "Organization: …", "Tool: …", "Person: …" */
  creators: string[];
  licenseListVersion?: string;
  comment?: string;
}

export type SpdxChecksumAlgorithm = "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512" | "MD5";

export interface SpdxChecksum {
  algorithm: SpdxChecksumAlgorithm;
  /** Lower-case hex. */
  checksumValue: string;
}

export interface SpdxExternalRef {
  referenceCategory: "PACKAGE-MANAGER" | "SECURITY" | "PERSISTENT-ID" | "OTHER";
  referenceType: string;
  referenceLocator: string;
}

export type SpdxPrimaryPackagePurpose = "APPLICATION" | "CONTAINER" | "FILE" | "LIBRARY" | "OPERATING-SYSTEM" | "OTHER";

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  /** "Person: …", "Organization: …" or NOASSERTION */
  supplier?: string;
  originator?: string;
  downloadLocation: string;
  filesAnalyzed: boolean;
  checksums?: SpdxChecksum[];
  homepage?: string;
  sourceInfo?: string;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  description?: string;
  externalRefs?: SpdxExternalRef[];
  primaryPackagePurpose?: SpdxPrimaryPackagePurpose;
}

export interface SpdxFile {
  SPDXID: string;
  /** Relative to the scanned root, as Syft writes it ("usr/bin/ls"). */
  fileName: string;
  checksums: SpdxChecksum[];
  licenseConcluded: string;
  licenseInfoInFiles: string[];
  copyrightText: string;
  comment?: string;
}

export interface SpdxExtractedLicense {
  licenseId: string;
  extractedText: string;
  name?: string;
}

export type SpdxRelationshipType = "DESCRIBES" | "CONTAINS" | "OTHER";

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: SpdxRelationshipType;
  relatedSpdxElement: string;
  comment?: string;
}
