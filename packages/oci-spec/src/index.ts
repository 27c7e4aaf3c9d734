export {
  type Digest,
  type DigestAlgorithm,
  type ParsedDigest,
  Digester,
  DigestMismatchError,
  InvalidDigestError,
  asDigest,
  digestOf,
  isDigest,
  parseDigest,
  verifyDigest,
} from "./digest.js";
export type { Descriptor, Platform } from "./descriptor.js";
