import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ContentStore } from "@exp/content";
import type { Digest } from "@exp/oci-spec";
import { ByteCounter } from "../progress/byte-counter.js";
import { createCompressor, type CompressionRequest } from "./compression.js";
import { compressionLabel, compressionLevelLabel, uncompressedLabel } from "./layer-blob.js";

export interface IngestLayerTarOptions {
  lease: string;
  /**
   * Compressed blobs to make from the same bytes while the tar is written (what the build's
   * exporters will ask LayerBlobs for): labelled as LayerBlobs labels its own, so the export finds
   * them made. "uncompressed" needs nothing and is skipped.
   */
  compressions?: readonly CompressionRequest[];
  signal?: AbortSignal;
  /** Told when a compression could not be made; the export then makes it (or fails) as before. */
  onCompressionFailed?: (request: CompressionRequest, error: unknown) => void;
  /**
   * Bytes of the tar each compression has taken in, named by its type ("gzip"); the last call has
   * `total` (the tar's size), so a progress bar ends full, as LayerBlobs' "compressing" bars do.
   */
  onCompressing?: (type: string, current: number, total?: number) => void;
}

/**
 * Ingests a layer tar into the store (its digest is the diffID) and, from the same bytes as they
 * pass, each requested compressed blob: compression overlaps the writing of the layer instead of
 * following it (BuildKit compresses at export, after the layer is committed). A compression that
 * fails is dropped from the tee, so it never holds the tar back nor fails the layer; the exporter
 * that wants that blob makes it at export as it always could.
 */
export async function ingestLayerTar(store: ContentStore, tar: Readable, options: IngestLayerTarOptions): Promise<{ diffID: Digest; size: number }> {
  const { lease, signal } = options;
  const wanted = dedupe((options.compressions ?? []).filter((request) => request.type !== "uncompressed"));
  const common = { lease, ...(signal ? { signal } : {}) };
  if (wanted.length === 0) {
    const stored = await store.ingest(tar, { ...common, labels: { [compressionLabel]: "uncompressed" } });
    return { diffID: stored.digest, size: stored.size };
  }
  // Readable.pipe to several destinations waits for the slowest, which bounds the memory held.
  const plain = new PassThrough();
  // The ingest reports the error (it reads an errored stream as failed), but it starts reading a
  // few ticks later: until then nothing else listens, and an unheard 'error' would crash.
  plain.on("error", () => undefined);
  // A tar that fails fails the layer: its compressions then end with it, which is no news.
  let tarFailed = false;
  tar.on("error", (error) => {
    tarFailed = true;
    plain.destroy(error);
  });
  tar.pipe(plain);
  const compressed = wanted.map((request) => {
    const branch = new PassThrough();
    tar.pipe(branch);
    const compressor = createCompressor(request, { signal });
    const onCompressing = options.onCompressing;
    const counter = onCompressing ? new ByteCounter((read) => onCompressing(request.type, read)) : undefined;
    onCompressing?.(request.type, 0);
    const made = Promise.all([
      counter ? pipeline(branch, counter, compressor) : pipeline(branch, compressor),
      store.ingest(compressor, { ...common, labels: labelsOf(request) }),
    ]).then(
      ([, blob]) => {
        if (counter) onCompressing?.(request.type, counter.total, counter.total);
        return blob;
      },
      (error: unknown) => {
        // Out of the tee, so the tar and the other compressions go on without it.
        tar.unpipe(branch);
        branch.destroy();
        compressor.destroy();
        if (!signal?.aborted && !tarFailed) options.onCompressionFailed?.(request, error);
        return undefined;
      },
    );
    tar.on("error", (error) => branch.destroy(error));
    return { request, made };
  });
  const stored = await store.ingest(plain, { ...common, labels: { [compressionLabel]: "uncompressed" } });
  for (const { made } of compressed) {
    const blob = await made;
    // The diffID is known only now: the label that lets LayerBlobs find the blob goes on last.
    if (blob) await store.setLabels(blob.digest, { [uncompressedLabel]: stored.digest }, signal ? { signal } : {});
  }
  return { diffID: stored.digest, size: stored.size };
}

function labelsOf(request: CompressionRequest): Record<string, string> {
  return { [compressionLabel]: request.type, ...(request.level === undefined ? {} : { [compressionLevelLabel]: String(request.level) }) };
}

/** One blob per (type, level): `force` changes which blob an exporter accepts, not the bytes. */
function dedupe(requests: readonly CompressionRequest[]): CompressionRequest[] {
  const seen = new Map<string, CompressionRequest>();
  for (const request of requests) seen.set(`${request.type}|${request.level ?? ""}`, { type: request.type, ...(request.level === undefined ? {} : { level: request.level }) });
  return [...seen.values()];
}
