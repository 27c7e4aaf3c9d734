import { createHash } from "node:crypto";

/** The characters an SPDX element ID may hold after "SPDXRef-" (clause 3.2); Syft's SanitizeElementID. */
export function sanitizeElementId(id: string): string {
  return id.replace(/[^a-zA-Z0-9.-]/g, "-");
}

/** 16 hex digits of SHA-256 over the parts: a stable identity, as Syft's IDs are hashes of the package. */
export function shortHash(...parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex").slice(0, 16);
}

/** SPDXRef-Package-<type>-<name>-<hash>, as Syft's toSPDXID names packages. */
export function packageSpdxId(type: string, name: string, hash: string): string {
  return `SPDXRef-Package-${sanitizeElementId(`${type}-${name}-${hash}`)}`;
}

/**
 * SPDXRef-File-<the path's last components, up to ~40 characters>-<hash>, as Syft's toSPDXID
 * names files ("SPDXRef-File-usr-bin-ls-0ee4…", "SPDXRef-File-...share-doc-x-copyright-…").
 */
export function fileSpdxId(path: string): string {
  const parts = path.split("/").filter(Boolean);
  let tail = "";
  for (let index = parts.length - 1; index >= 0; index--) {
    const part = parts[index] as string;
    if (index < parts.length - 1 && tail.length + part.length + 3 > 40) {
      tail = `...${tail}`;
      break;
    }
    tail = tail === "" ? part : `${part}/${tail}`;
  }
  return `SPDXRef-File-${sanitizeElementId(`${tail}-${shortHash("file", path)}`)}`;
}
