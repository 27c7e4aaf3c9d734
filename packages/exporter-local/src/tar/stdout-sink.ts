import { Writable } from "node:stream";

/**
 * A writable that forwards to `target` with backpressure but never ends it: writeLayerTar ends
 * its output, and process.stdout must stay open for whatever the CLI prints next.
 */
export function nonClosing(target: NodeJS.WritableStream): Writable {
  let failed: Error | undefined;
  const onError = (error: Error): void => {
    failed = error;
  };
  target.on("error", onError);
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (failed) return done(failed);
      if (target.write(chunk)) return done();
      const onDrain = (): void => {
        target.removeListener("error", onFail);
        done();
      };
      const onFail = (error: Error): void => {
        target.removeListener("drain", onDrain);
        done(error);
      };
      target.once("drain", onDrain);
      target.once("error", onFail);
    },
    final(done) {
      target.removeListener("error", onError);
      done(failed);
    },
    destroy(error, done) {
      target.removeListener("error", onError);
      done(error);
    },
  });
}
