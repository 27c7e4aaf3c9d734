import { Writable } from "node:stream";
import type { OutputStream } from "./io.js";

/**
 * runCli's stdout as the stream an exporter writes `dest=-` to. A real stream (process.stdout, a
 * file or pipe a library caller hands in) is passed as it is, so its backpressure and errors reach
 * the exporter; a plain `{ write }` collector is wrapped.
 */
export function outputWritable(out: OutputStream): Writable {
  if (out instanceof Writable) return out;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        out.write(chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
