import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { throwIfAborted } from "@exp/errors";
import { Digester, type Digest } from "@exp/oci-spec";
import { pack as createPack, type Pack } from "tar-stream";
import type { CopyPlan } from "./copy-plan.js";
import { FileChangedError } from "./errors.js";
import { resolveLayerEntries, type CopyAttributes, type LayerEntry } from "./layer-entry.js";
import { tarHeader, type MtimePolicy } from "./tar-header.js";

export interface WriteLayerTarOptions extends CopyAttributes {
  /** Default "keep". */
  mtime?: MtimePolicy;
  signal?: AbortSignal;
}

export interface LayerTarResult {
  /** sha256 of the tar bytes: the layer's diffID. */
  diffID: Digest;
  /** Bytes written. */
  size: number;
}

/**
 * Writes an uncompressed, deterministic layer tar to `output` (and ends it): entries in walk order
 * (parents first), headers from tarHeader, file content streamed from each entry's open(). The
 * diffID and size are computed from the bytes on their way out.
 *
 * Every file must yield exactly the bytes its header announced; a file that grew or shrank after it
 * was listed fails the write with ERR_FILE_CHANGED naming it, before any wrong byte is emitted
 * past that point. On failure `output` is destroyed and what it received must be discarded.
 */
export async function writeLayerTar(
  plan: CopyPlan | readonly LayerEntry[],
  output: NodeJS.WritableStream,
  options: WriteLayerTarOptions = {},
): Promise<LayerTarResult> {
  const { signal } = options;
  throwIfAborted(signal, "writing a layer tar");
  const entries = resolveLayerEntries(plan, options);
  const mtime = options.mtime ?? { mode: "keep" };
  const digester = new Digester();
  const pack = createPack();
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digester.update(chunk);
      done(null, chunk);
    },
  });
  // Readable.from turns tar-stream's streamx stream into a Node stream that pipeline fully understands.
  const piping = pipeline(Readable.from(pack), measure, output as Writable);
  const pipeFailed = new Promise<never>((_, reject) => piping.catch(reject));
  pipeFailed.catch(() => {});

  try {
    for (const entry of entries) {
      throwIfAborted(signal, "writing a layer tar");
      const writing = writeEntry(pack, entry, mtime, signal);
      // When the pipe fails first, the entry's own rejection must not go unhandled.
      writing.catch(() => {});
      await Promise.race([writing, pipeFailed]);
    }
    pack.finalize();
    await piping;
  } catch (error) {
    pack.destroy(error as Error);
    await piping.catch(() => {});
    throw error;
  }
  return { diffID: digester.digest(), size: digester.size };
}

/** The part of tar-stream's (streamx) entry sink we use; its typings want an argument to end(). */
interface EntrySink {
  write(data: Uint8Array): boolean;
  end(): void;
  destroy(error?: Error): void;
  on(event: "error", listener: (error: Error) => void): unknown;
  once(event: "drain" | "error", listener: (error?: Error) => void): unknown;
  removeListener(event: "drain" | "error", listener: (error?: Error) => void): unknown;
}

async function writeEntry(pack: Pack, entry: LayerEntry, mtime: MtimePolicy, signal?: AbortSignal): Promise<void> {
  // Opened before the header goes out, so a file that cannot be read leaves no dangling header.
  const content = entry.type === "file" ? await (entry.open as NonNullable<LayerEntry["open"]>)(signal ? { signal } : {}) : undefined;
  await new Promise<void>((resolve, reject) => {
    const sink = pack.entry(tarHeader(entry, mtime), (error) => (error ? reject(error) : resolve())) as unknown as EntrySink;
    // Failures are reported through the entry callback and our own rejection; without a listener
    // an 'error' event would be thrown by the emitter.
    sink.on("error", () => {});
    if (!content) {
      sink.end();
      return;
    }
    copyContent(entry, content, sink, signal).catch((error: unknown) => {
      reject(error);
      sink.destroy(error as Error);
    });
  });
}

async function copyContent(entry: LayerEntry, stream: Readable, sink: EntrySink, signal?: AbortSignal): Promise<void> {
  let written = 0;
  try {
    for await (const chunk of stream) {
      throwIfAborted(signal, "writing a layer tar");
      const bytes = chunk as Buffer;
      written += bytes.byteLength;
      // Never hand tar-stream more than the header promised: the archive would be corrupt.
      if (written > entry.size) throw new FileChangedError(entry.path, `grew beyond the ${entry.size} bytes it was listed with`);
      if (!sink.write(bytes)) await drained(sink);
    }
  } finally {
    stream.destroy();
  }
  if (written !== entry.size) throw new FileChangedError(entry.path, `listed with ${entry.size} bytes, read ${written}`);
  sink.end();
}

function drained(sink: EntrySink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      sink.removeListener("error", onError);
      resolve();
    };
    const onError = (error?: Error): void => {
      sink.removeListener("drain", onDrain);
      reject(error ?? new Error("tar entry failed"));
    };
    sink.once("drain", onDrain);
    sink.once("error", onError);
  });
}
