import type { SpdxChecksum } from "../spdx/types.js";

/** The paths of a dpkg .list file: one absolute path per line, directories included. */
export function parseDpkgList(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("/"));
}

/**
 * A dpkg .md5sums file ("<md5>  <path without leading slash>") or a status Conffiles field
 * (" /etc/path <md5>", with "obsolete" or "remove-on-upgrade" after some): MD5 by absolute path.
 */
export function parseMd5sums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{32})\s+(.+)$/.exec(line.trim());
    if (match) sums.set(`/${(match[2] as string).replace(/^\/+/, "")}`, match[1] as string);
  }
  return sums;
}

export function parseConffiles(field: string | undefined): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of (field ?? "").split("\n")) {
    const match = /^(\/\S+)\s+([0-9a-f]{32})\b/.exec(line.trim());
    if (match) sums.set(match[1] as string, match[2] as string);
  }
  return sums;
}

export function md5Checksum(value: string): SpdxChecksum {
  return { algorithm: "MD5", checksumValue: value };
}
