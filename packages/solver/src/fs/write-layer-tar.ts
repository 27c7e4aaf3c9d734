import { Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AbortedError, throwIfAborted } from "@exp/errors";
import { Digester, type Digest } from "@exp/oci-spec";
import { writeTar, type TarWriteEntry } from "@exp/tar";
import type { CopyPlan } from "./copy-plan.js";
import { WHOLE_READ_LIMIT } from "./fs-source.js";
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
 * Writes an uncompressed, deterministic layer tar to `output` (and ends it): see layerTarStream.
 * The diffID and size are computed from the bytes on their way out. On failure `output` is
 * destroyed and what it received must be discarded.
 */
export async function writeLayerTar(
  plan: CopyPlan | readonly LayerEntry[],
  output: NodeJS.WritableStream,
  options: WriteLayerTarOptions = {},
): Promise<LayerTarResult> {
  const digester = new Digester();
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digester.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(layerTarStream(plan, options), measure, output as Writable);
  return { diffID: digester.digest(), size: digester.size };
}

/**
 * An uncompressed, deterministic layer tar: entries in walk order (parents first), headers from
 * tarHeader, file content from each entry, one file open at a time. For a consumer that hashes
 * what it receives anyway (the content store's ingest), so the bytes are not hashed twice.
 *
 * Every file must yield exactly the bytes its header announced; a file that grew or shrank after it
 * was listed fails the stream with ERR_FILE_CHANGED naming it, before any wrong byte is emitted
 * past that point.
 */
export function layerTarStream(plan: CopyPlan | readonly LayerEntry[], options: WriteLayerTarOptions = {}): Readable {
  const { signal } = options;
  throwIfAborted(signal, "writing a layer tar");
  const entries = resolveLayerEntries(plan, options);
  const tar = Readable.from(writeTar(tarEntries(entries, options.mtime ?? { mode: "keep" }, signal), signal ? { signal } : {}));
  // The tar checks the signal between pieces; an output that stops reading would keep it waiting.
  if (signal) {
    const onAbort = (): void => void tar.destroy(new AbortedError("writing a layer tar", signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    tar.once("close", () => signal.removeEventListener("abort", onAbort));
  }
  return tar;
}

/**
 * The tar entries of a layer, in order. A small file whose source reads it whole comes in one
 * buffer (FsSource.readFile); any other file is opened when the writer reaches it and closed after.
 */
async function* tarEntries(entries: readonly LayerEntry[], mtime: MtimePolicy, signal?: AbortSignal): AsyncGenerator<TarWriteEntry> {
  const readOptions = signal ? { signal } : {};
  for (const entry of entries) {
    const header = tarHeader(entry, mtime);
    if (entry.type !== "file") {
      yield { header };
      continue;
    }
    // Read or opened before the header goes out, so a file that cannot be read leaves no dangling header.
    if (entry.readFile && entry.size <= WHOLE_READ_LIMIT) {
      const body = await entry.readFile(readOptions);
      if (body.byteLength !== entry.size) throw new FileChangedError(entry.path, `listed with ${entry.size} bytes, read ${body.byteLength}`);
      yield { header, body };
      continue;
    }
    // Called as a method: a planned file's open() reads its source through `this` (layer-entry.ts).
    const content = await entry.open!(readOptions);
    try {
      yield { header, body: checkedContent(entry, content) };
    } finally {
      content.destroy();
    }
  }
}

/** A file's bytes, failing with ERR_FILE_CHANGED before a byte beyond the size it was listed with. */
async function* checkedContent(entry: LayerEntry, stream: Readable): AsyncGenerator<Buffer> {
  let written = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    written += bytes.byteLength;
    if (written > entry.size) throw new FileChangedError(entry.path, `grew beyond the ${entry.size} bytes it was listed with`);
    yield bytes;
  }
  if (written !== entry.size) throw new FileChangedError(entry.path, `listed with ${entry.size} bytes, read ${written}`);
}
