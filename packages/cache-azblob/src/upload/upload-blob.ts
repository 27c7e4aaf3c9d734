import { Transform, pipeline, type Readable } from "node:stream";
import type { BlockBlobClient } from "@azure/storage-blob";
import type { Descriptor } from "@exp/oci-spec";
import { azureErrorCode } from "../azblob-error.js";
import { TryTimeoutError, retryStreamed, withTryTimeout, type StreamRetry } from "./retry.js";

export interface UploadBlobOptions {
  /** The blob's client (azblobClients): blocks are retried here with fresh bodies, on an idle timeout; the commit within tryTimeoutMs. */
  client: BlockBlobClient;
  blob: Descriptor;
  /** The content store: its reads (verified when whole) and its verification of a whole blob. */
  store: {
    read(digest: string, options: { start?: number; end?: number; signal?: AbortSignal }): Promise<NodeJS.ReadableStream>;
    verify(digest: string, options: { signal?: AbortSignal }): Promise<number>;
  };
  signal: AbortSignal;
  blockSize: number;
  blockConcurrency: number;
  idleTimeoutMs: number;
  /** How long the commit may wait for its answer (withTryTimeout). */
  tryTimeoutMs: number;
  retry: StreamRetry;
  onBytes?: (uploaded: number) => void;
}

/**
 * Uploads a blob from the content store as Put Block requests streamed from file ranges, then one
 * Put Block List. Nothing is held in memory, and nothing is visible in the container until the
 * commit: the commit is sent only once every block is staged and the whole blob was read again
 * and matched its digest (a one-block blob is read whole, which the store verifies as it reads).
 * A blob that failed or was aborted leaves only uncommitted blocks, which Azure discards (after a
 * week) and no reader ever sees.
 *
 * The commit is conditional (If-None-Match: *), as BuildKit's uploadBlobIfNotExists is
 * (exporter.go): a blob is named by its digest, so one another build committed first is the same
 * blob, and its BlobAlreadyExists is success.
 */
export async function uploadBlob(options: UploadBlobOptions): Promise<"uploaded" | "present"> {
  const { blob, signal } = options;
  const count = Math.max(1, Math.ceil(blob.size / options.blockSize));
  const ids = Array.from({ length: count }, (_, i) => blockId(i));
  let uploaded = 0;
  const progress = (n: number) => options.onBytes?.((uploaded += n));
  // Siblings stop as soon as one block, or the verification, fails.
  const local = new AbortController();
  const onAbort = () => local.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const next = { block: 0 };
    const stageBlocks = async () => {
      for (let n = next.block++; n < count; n = next.block++) {
        const range = count === 1 ? {} : { start: n * options.blockSize, end: Math.min(blob.size, (n + 1) * options.blockSize) - 1 };
        const length = count === 1 ? blob.size : range.end! - range.start! + 1;
        await retryStreamed(() => stageOnce(options, ids[n]!, range, length, local.signal, progress), local.signal, options.retry);
      }
    };
    const verified = count > 1 ? options.store.verify(blob.digest, { signal: local.signal }) : Promise.resolve(blob.size);
    await Promise.all([verified, ...Array.from({ length: Math.min(options.blockConcurrency, count) }, stageBlocks)].map((p) => p.catch((error: unknown) => {
      local.abort(error);
      throw error;
    })));
    try {
      const commit = (trySignal: AbortSignal) =>
        options.client.commitBlockList(ids, { conditions: { ifNoneMatch: "*" }, blobHTTPHeaders: { blobContentType: "application/octet-stream" }, abortSignal: trySignal });
      await retryStreamed(() => withTryTimeout(options.tryTimeoutMs, signal, commit), signal, options.retry);
    } catch (error) {
      // Committed by another build, or by this one's earlier try whose answer was lost.
      if (!signal.aborted && azureErrorCode(error) === "BlobAlreadyExists") return "present";
      throw error;
    }
    return "uploaded";
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Block ids: base64 of the same length for every block of a blob, as Azure requires. */
export function blockId(index: number): string {
  return Buffer.from(`exp-block-${String(index).padStart(6, "0")}`).toString("base64");
}

/**
 * One try of one block: its body is a fresh read of the store, counted as it goes. The try fails
 * when no byte has moved for `idleTimeoutMs` (the SDK has no idle timeout, only a whole-try one),
 * and when the body fails to read (a digest mismatch); bytes it reported are taken back then.
 */
async function stageOnce(options: UploadBlobOptions, id: string, range: { start?: number; end?: number }, length: number, signal: AbortSignal, progress: (n: number) => void): Promise<void> {
  let sent = 0;
  const local = new AbortController();
  const trySignal = AbortSignal.any([signal, local.signal]);
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => local.abort(new TryTimeoutError(`no progress for ${options.idleTimeoutMs} ms staging a block of ${options.blob.digest}`)), options.idleTimeoutMs);
  };
  arm();
  try {
    const source = (await options.store.read(options.blob.digest, { ...range, signal: trySignal })) as Readable;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        sent += chunk.length;
        progress(chunk.length);
        arm();
        callback(null, chunk);
      },
    });
    // The callback form: a failed read aborts the request instead of surfacing as an unhandled 'error'.
    const body = pipeline(source, counter, (error) => error && local.abort(error));
    await options.client.stageBlock(id, body, length, { abortSignal: trySignal });
  } catch (error) {
    progress(-sent);
    // A body that failed (a digest mismatch) or went quiet is the real cause, not the abort it triggered.
    throw local.signal.aborted && !signal.aborted ? local.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}
