import type { SpdxChecksum } from "../spdx/types.js";

/** One package of apk's installed database, with the fields exp uses. */
export interface ApkRecord {
  /** 1-based line of its first field. */
  line: number;
  fields: Map<string, string>;
  /** Files (R lines under the last F directory) with their Z checksum, paths absolute. */
  files: { path: string; checksum?: SpdxChecksum }[];
  /** A line that is not "X:value": the record is skipped with this reason. */
  error?: string;
}

/**
 * Parses lib/apk/db/installed (apk-tools' "installed database" format: single-letter fields,
 * one per line, records separated by a blank line). P name, V version, A arch, L licence,
 * o origin (source package), m maintainer, T description, U URL; F starts a directory, R a file
 * in it, Z that file's checksum ("Q1" + base64 SHA-1).
 */
export function parseApkInstalled(text: string): ApkRecord[] {
  const records: ApkRecord[] = [];
  let current: ApkRecord | undefined;
  let directory = "";
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).replace(/\r$/, "");
    if (line === "") {
      current = undefined;
      continue;
    }
    if (!current) {
      current = { line: index + 1, fields: new Map(), files: [] };
      directory = "";
      records.push(current);
    }
    if (line.length < 2 || line[1] !== ":") {
      current.error ??= `line ${index + 1}: not a "X:value" line`;
      continue;
    }
    const key = line[0] as string;
    const value = line.slice(2);
    switch (key) {
      case "F":
        directory = value.replace(/^\/+|\/+$/g, "");
        break;
      case "R":
        current.files.push({ path: `/${directory === "" ? "" : `${directory}/`}${value}` });
        break;
      case "Z": {
        const last = current.files[current.files.length - 1];
        const checksum = apkChecksum(value);
        if (last && checksum) last.checksum = checksum;
        break;
      }
      default:
        // Per-file and per-directory attributes (a, M) and repeated keys are not package fields.
        if (!current.fields.has(key)) current.fields.set(key, value);
    }
  }
  return records;
}

/** apk's checksum notation: "Q1<base64 SHA-1>", "Q2<base64 SHA-256>", or plain hex MD5 of old databases. */
export function apkChecksum(value: string): SpdxChecksum | undefined {
  if (value.startsWith("Q1") || value.startsWith("Q2")) {
    const bytes = Buffer.from(value.slice(2), "base64");
    if (value.startsWith("Q1") && bytes.byteLength === 20) return { algorithm: "SHA1", checksumValue: bytes.toString("hex") };
    if (value.startsWith("Q2") && bytes.byteLength === 32) return { algorithm: "SHA256", checksumValue: bytes.toString("hex") };
    return undefined;
  }
  return /^[0-9a-f]{32}$/.test(value) ? { algorithm: "MD5", checksumValue: value } : undefined;
}
