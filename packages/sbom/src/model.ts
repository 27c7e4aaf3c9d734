import type { SpdxChecksum } from "./spdx/types.js";

/** The package managers and binaries exp recognises, as Syft names its package types. */
export type PackageType = "deb" | "apk" | "npm" | "python" | "go-module";

/** A file a package owns, with the checksums its package manager recorded for it. */
export interface OwnedFile {
  /** Relative to the scanned root, symlinks on the way resolved ("usr/bin/ls", not "bin/ls"). */
  path: string;
  checksums: SpdxChecksum[];
}

/** One package found by a cataloger, before it becomes an SPDX package. */
export interface FoundPackage {
  type: PackageType;
  name: string;
  version: string;
  /** A package URL (pkg:deb/…), or undefined when the ecosystem cannot name it (no distro known). */
  purl: string | undefined;
  /** Licence values as the metadata states them (SPDX expressions or free text); normalised later. */
  licenses: string[];
  /** "Person: Name <mail>" or "Organization: …", as Syft fills supplier and originator. */
  originator?: string;
  supplier?: string;
  description?: string;
  homepage?: string;
  /** Checksums of the package itself (a Go module's h1: sum is a SHA-256). */
  checksums?: SpdxChecksum[];
  /** The metadata files it was found by, for sourceInfo and for a stable identity. */
  locations: string[];
  /** Syft's sourceInfo prefix ("acquired package info from DPKG DB"). */
  foundBy: string;
  files: OwnedFile[];
}

/** Something the scan skipped and why: a malformed record, a file too large to read, a loop of links. */
export interface ScanWarning {
  /** The file concerned, relative to the root. */
  path: string;
  /** Which cataloger met it: "dpkg", "apk", "npm", "python", "go". */
  cataloger: string;
  message: string;
}
