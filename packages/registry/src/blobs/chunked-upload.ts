import type { BlobSource, PushBlobOptions } from "@exp/oci-spec";
import { RegistryError, RegistryProtocolError, RetriesExhaustedError } from "../errors.js";
import { repositoryScope, type RepositoryRef } from "../repository.js";
import { backoffDelay, isRetryableNetworkError, wait } from "../transport/retry.js";
import { header, type SendResult } from "../transport/send.js";
import type { Transport } from "../transport/transport.js";
import { blobExists } from "./blob-exists.js";
import { Slicer, counting } from "./counting.js";
import { openSourceFrom } from "./open-source-from.js";
import { uploadStatus, withDigest, type Session } from "./upload-session.js";

export const defaultChunkSize = 16 * 1024 * 1024;

/** One blob's upload into one repository, as the push functions share it. */
export interface Upload {
  transport: Transport;
  repo: RepositoryRef;
  source: BlobSource;
  options: PushBlobOptions;
  action: string;
}

/**
 * PATCHes of `chunkSize` bytes, then the PUT that commits the digest. A PATCH that
 * fails (a reset, a 5xx, a proxy cutting the body) is resumed from the offset the registry reports
 * on the session (see `uploadStatus`), so a flaky link costs the bytes it lost, not the blob. The
 * attempts of the transport's retry policy bound the failures in a row that gain nothing.
 */
export async function uploadChunked(upload: Upload, session: Session): Promise<void> {
  const { source, options } = upload;
  const chunkSize = Math.max(options.chunkSize ?? defaultChunkSize, session.minChunk, 1);
  let current = session;
  let offset = 0;
  let completedEarly = false;
  const stalls = { offset: -1, count: 0 };
  let slicer = await openSlicer(upload, offset);
  try {
    while (offset < source.size) {
      const length = Math.min(chunkSize, source.size - offset);
      try {
        const response = await patchChunk(upload, current, slicer, offset, length);
        checkRange(response, offset + length, upload.action);
        offset += length;
        const next = header(response.headers, "location");
        if (next) current = { ...current, location: new URL(next, response.url) };
        // ECR answers 201 to the last PATCH; the PUT that follows may then be refused.
        completedEarly = response.status === 201;
      } catch (error) {
        if (options.signal?.aborted || !isResumable(error)) throw error;
        ({ session: current, offset } = await resumePoint(upload, current, error, stalls));
        await slicer.close();
        slicer = await openSlicer(upload, offset);
      }
    }
  } finally {
    await slicer.close();
  }
  await commitUpload(upload, current, completedEarly);
}

/**
 * After a failed request: waits the backoff, then asks the registry where the upload stands. A
 * failure at the same offset as the one before counts against the retry budget; one after the
 * registry received more bytes starts the count again.
 */
async function resumePoint(upload: Upload, session: Session, error: unknown, stalls: { offset: number; count: number }): Promise<{ session: Session; offset: number }> {
  const { transport, options } = upload;
  await wait(backoffDelay(transport.retry, stalls.count + 1), options.signal);
  const status = await uploadStatus(transport, upload.repo, session, upload.action, options.signal);
  if (status.offset > upload.source.size) {
    throw new RegistryProtocolError(`${upload.action}: the registry reports ${status.offset} bytes received of a ${upload.source.size}-byte blob`);
  }
  stalls.count = status.offset === stalls.offset ? stalls.count + 1 : 1;
  stalls.offset = status.offset;
  if (stalls.count >= transport.retry.attempts) throw new RetriesExhaustedError(upload.action, stalls.count, error);
  return status;
}

/** Worth asking the registry where the upload stands: the connection failed, or the server did. */
function isResumable(error: unknown): boolean {
  if (error instanceof RetriesExhaustedError) return false;
  // 416: the registry holds a different byte count than we thought (see receivedBytes).
  if (error instanceof RegistryError) return error.retryable || error.status === 416;
  return isRetryableNetworkError(error);
}

async function openSlicer(upload: Upload, offset: number): Promise<Slicer> {
  const { source, options } = upload;
  const stream = await openSourceFrom(source, offset, options.signal ? { signal: options.signal } : {});
  return new Slicer(counting(stream, options.onProgress && ((n) => options.onProgress!(n, source.size)), offset));
}

async function patchChunk(upload: Upload, session: Session, slicer: Slicer, offset: number, length: number): Promise<SendResult> {
  const { transport, repo, options } = upload;
  const response = await transport.request({
    registry: repo.registry,
    scopes: [repositoryScope(repo, ["pull", "push"])],
    method: "PATCH",
    target: session.location.toString(),
    headers: { "content-type": "application/octet-stream", "content-length": String(length), "content-range": `${offset}-${offset + length - 1}` },
    body: { length, open: async () => slicer.slice(length) },
    expect: [202, 201, 204],
    action: upload.action,
    retry: false,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await response.body.dump();
  return response;
}

/**
 * The closing PUT with the digest. If it fails after the registry committed (the answer was lost),
 * the blob is there: a HEAD tells, and the upload is done rather than repeated.
 */
async function commitUpload(upload: Upload, session: Session, completedEarly: boolean): Promise<void> {
  const { transport, repo, source, options } = upload;
  try {
    await putWithDigest(upload, session);
  } catch (error) {
    const lostAnswer = isResumable(error) && !options.signal?.aborted;
    const refusedAfterEarlyCommit = completedEarly && error instanceof RegistryError && error.status < 500;
    if (!lostAnswer && !refusedAfterEarlyCommit) throw error;
    if (!(await blobExists(transport, repo, source.digest, { actions: ["pull", "push"], ...(options.signal ? { signal: options.signal } : {}) }))) throw error;
  }
}

/**
 * The PUT that ends a session with the blob's digest: with the whole blob as its body (a
 * monolithic upload), or none after the PATCHes. The registry must commit the digest we named.
 */
export async function putWithDigest(upload: Upload, session: Session, body?: { length: number; open(): Promise<AsyncIterable<Uint8Array>> }): Promise<void> {
  const { transport, repo, source, options, action } = upload;
  const response = await transport.request({
    registry: repo.registry,
    scopes: [repositoryScope(repo, ["pull", "push"])],
    method: "PUT",
    target: withDigest(session.location, source.digest).toString(),
    // distribution 2.8 parses a body without this Content-Type as a form and hashes nothing.
    headers: { "content-type": "application/octet-stream", "content-length": String(body?.length ?? 0) },
    ...(body ? { body } : {}),
    expect: [201, 204],
    action,
    retry: false,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await response.body.dump();
  checkCommittedDigest(response, source, action);
}

/** The registry must have received exactly the bytes we sent so far: its Range ends at offset-1. */
function checkRange(response: SendResult, expectedEnd: number, action: string): void {
  const range = header(response.headers, "range");
  if (range === undefined) return; // some registries omit it; the final digest check still protects us
  const match = /(\d+)-(\d+)$/.exec(range);
  if (!match || Number(match[1]) !== 0 || Number(match[2]) !== expectedEnd - 1) {
    throw new RegistryProtocolError(`${action}: the registry reports Range ${range} after ${expectedEnd} bytes were sent (expected 0-${expectedEnd - 1})`);
  }
}

function checkCommittedDigest(response: SendResult, source: BlobSource, action: string): void {
  const committed = header(response.headers, "docker-content-digest");
  if (committed !== undefined && committed !== source.digest) {
    throw new RegistryProtocolError(`${action}: the registry committed ${committed}, not ${source.digest}`);
  }
}
