import { Transform } from "node:stream";

/**
 * A pass-through that reports how many bytes went by (the same chunks, never copied) and holds the
 * latest chunk back until its source has ended. A verified source only fails at its end, once it
 * has hashed every byte; by then an HTTP body with a Content-Length would already be complete and
 * the server would store it. Held back, the last bytes are never sent when verification fails, so
 * the request cannot complete and the object is never written.
 */
export function countBytes(onBytes: (n: number) => void): Transform {
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const previous = held;
      held = chunk;
      if (previous) onBytes(previous.length);
      callback(null, previous);
    },
    flush(callback) {
      if (held) onBytes(held.length);
      callback(null, held);
    },
  });
}
