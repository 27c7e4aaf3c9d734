import { createHash, type Hash } from "node:crypto";
import { ExpError } from "@exp/errors";

/** A content digest in OCI form, `sha256:<64 lowercase hex>`. Branded so a plain string is not mistaken for one. */
export type Digest = string & DigestBrand;

/**
 * The brand that makes a Digest out of a string. A named interface, not an inline type literal,
 * so that declaration files can name it: valibot spells out the types of validated objects, and
 * an inline `unique symbol` cannot be written into a .d.ts.
 */
export interface DigestBrand {
  readonly __digest: unique symbol;
}

/** Algorithms we compute. The OCI spec also registers sha512; we read it but write sha256 only. */
export type DigestAlgorithm = "sha256" | "sha512";

const hexLength: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const digestPattern = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** A string that is not a valid digest, or names an algorithm we do not support. */
export class InvalidDigestError extends ExpError {
  readonly value: string;
  /** `expected` defaults to the sha256 form; a sha512 digest is told what sha512 needs instead. */
  constructor(value: string, reason: string, expected = '"sha256:" followed by 64 lowercase hex digits') {
    super("ERR_INVALID_DIGEST", `invalid digest ${JSON.stringify(value)}: ${reason}; expected ${expected}`);
    this.value = value;
  }
}

/** Content whose digest or size is not the one it was expected to have. */
export class DigestMismatchError extends ExpError {
  readonly expected: string;
  readonly actual: string;
  constructor(what: string, expected: string, actual: string) {
    super("ERR_DIGEST_MISMATCH", `${what}: expected ${expected}, got ${actual}`, { fault: "server" });
    this.expected = expected;
    this.actual = actual;
  }
}

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Splits and checks a digest; throws InvalidDigestError naming the value otherwise. */
export function parseDigest(value: string): ParsedDigest {
  const match = digestPattern.exec(value);
  if (!match) throw new InvalidDigestError(value, "not of the form <algorithm>:<encoded>");
  const algorithm = match[1] as string;
  const hex = match[2] as string;
  if (algorithm !== "sha256" && algorithm !== "sha512") throw new InvalidDigestError(value, `unsupported algorithm "${algorithm}"`);
  if (hex.length !== hexLength[algorithm] || !/^[0-9a-f]+$/.test(hex)) {
    throw new InvalidDigestError(value, `the ${algorithm} part must be ${hexLength[algorithm]} lowercase hex digits`, `"${algorithm}:" followed by ${hexLength[algorithm]} lowercase hex digits`);
  }
  return { algorithm, hex };
}

/** Returns the value as a Digest after checking it. */
export function asDigest(value: string): Digest {
  parseDigest(value);
  return value as Digest;
}

export function isDigest(value: unknown): value is Digest {
  if (typeof value !== "string") return false;
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

/** sha256 digest of bytes held in memory (manifests, configs; never layers). */
export function digestOf(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}` as Digest;
}

/**
 * Incremental digest for streams: feed chunks with `update`, read `digest` and `size` at the end.
 * Used by every reader and writer that must verify what passes through it.
 */
export class Digester {
  private readonly hash: Hash;
  private bytes = 0;
  readonly algorithm: DigestAlgorithm;

  constructor(algorithm: DigestAlgorithm = "sha256") {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
  }

  get size(): number {
    return this.bytes;
  }

  /** The final digest; call once. */
  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest("hex")}` as Digest;
  }
}

/** Throws DigestMismatchError unless `data` hashes to `expected`. */
export function verifyDigest(data: Uint8Array, expected: string, what = "content"): void {
  const { algorithm } = parseDigest(expected);
  const actual = `${algorithm}:${createHash(algorithm).update(data).digest("hex")}`;
  if (actual !== expected) throw new DigestMismatchError(what, expected, actual);
}
