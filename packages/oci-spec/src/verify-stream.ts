import { Transform } from "node:stream";
import { Digester, DigestMismatchError, parseDigest, type Digest } from "./digest.js";

export interface DigestVerifierOptions {
  /** Also check the byte count (a short read is reported as a size mismatch). */
  size?: number;
  /** Called with the running byte count, for progress. */
  onBytes?: (bytes: number) => void;
}

/**
 * A pass-through stream that hashes what flows through it and fails, before the end reaches the
 * consumer, when the bytes do not hash to `expected` (or do not add up to `size`). Every reader
 * of content (store, registry, layout, layer tar) pipes through one of these, so nothing
 * unverified is ever committed downstream.
 */
export function createDigestVerifier(expected: Digest, what: string, options: DigestVerifierOptions = {}): Transform {
  const digester = new Digester(parseDigest(expected).algorithm);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digester.update(chunk);
      options.onBytes?.(digester.size);
      done(null, chunk);
    },
    flush(done) {
      if (options.size !== undefined && digester.size !== options.size) {
        done(new DigestMismatchError(`${what} (size)`, String(options.size), String(digester.size)));
        return;
      }
      const actual = digester.digest();
      done(actual === expected ? null : new DigestMismatchError(what, expected, actual));
    },
  });
}
