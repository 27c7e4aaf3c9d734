import { parseDigest } from "@exp/oci-spec";
import { ProvenanceInputError } from "./errors.js";

/** An in-toto DigestSet: algorithm -> lowercase hex. */
export type DigestSet = Record<string, string>;

/** `sha256:<hex>` as a DigestSet, `{ "sha256": "<hex>" }` (BuildKit: Algorithm() -> Hex()). */
export function digestSetOf(digest: string, field: string): DigestSet {
  try {
    const parsed = parseDigest(digest);
    return { [parsed.algorithm]: parsed.hex };
  } catch (error) {
    throw new ProvenanceInputError(field, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** A Git commit as BuildKit records it: 64 hex digits are a sha256 object id, anything else sha1. */
export function commitDigestSet(commit: string, field: string): DigestSet {
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) throw new ProvenanceInputError(field, "a commit is 40 (sha1) or 64 (sha256) lowercase hex digits");
  return commit.length === 64 ? { sha256: commit } : { sha1: commit };
}
