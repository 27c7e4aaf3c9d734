import { throwIfAborted } from "@exp/errors";
import { RegistryError, RegistryProtocolError, RetriesExhaustedError } from "../errors.js";
import { repositoryPath, repositoryScope, type RepositoryRef } from "../repository.js";
import { backoffDelay, isRetryableNetworkError, wait } from "../transport/retry.js";
import { header, type SendResult } from "../transport/send.js";
import type { Transport } from "../transport/transport.js";
import type { BlobSource, PushBlobOptions, PushBlobResult } from "@exp/oci-spec";
import { Slicer, counting } from "./counting.js";
import { blobExists } from "./blob-exists.js";

export type { PushBlobOptions, PushBlobResult };

export const defaultChunkSize = 16 * 1024 * 1024;

interface Session {
  location: URL;
  minChunk: number;
}

/**
 * Uploads one blob: HEAD, cross-repo mount, then a streamed upload (a mount from a repository known
 * to hold the blob goes before the HEAD: see `knownSource`). An upload that fails part way
 * (a reset, a 5xx) is restarted as a new session from `source.open()`, because a half-written
 * session cannot be trusted and undici's own retry never repeats POST/PATCH.
 */
export async function pushBlob(transport: Transport, repo: RepositoryRef, source: BlobSource, options: PushBlobOptions = {}): Promise<PushBlobResult> {
  const { signal } = options;
  const action = `pushing blob ${source.digest} to ${repo.registry}/${repo.repository}`;
  let session: Session | undefined;
  const known = options.knownSource !== undefined && options.knownSource !== repo.repository ? options.knownSource : undefined;
  if (known !== undefined) {
    const mount = await tryMount(transport, repo, source, known, signal).catch((error: unknown) => {
      // e.g. no pull access to the source: the target may still have the blob, so ask as usual.
      if (signal?.aborted || !(error instanceof RegistryError)) throw error;
      return undefined;
    });
    if (mount === "mounted") return { status: "mounted", sessions: 0, mountedFrom: known };
    session = mount;
  }
  if (!options.skipExistsCheck && (await blobExists(transport, repo, source.digest, { actions: ["pull", "push"], ...(signal ? { signal } : {}) }))) {
    // A session a refused mount opened is left to the registry's purge of stale uploads.
    return { status: "exists", sessions: 0 };
  }
  for (const from of new Set(session ? [] : (options.mountFrom ?? []))) {
    if (from === known) continue; // refused or failed just now
    if (from === repo.repository) continue;
    const mount = await tryMount(transport, repo, source, from, signal);
    if (mount === "mounted") return { status: "mounted", sessions: 0, mountedFrom: from };
    session = mount; // 202: the registry opened a normal upload session instead
    break;
  }
  let mode = options.upload ?? "monolithic";
  let sessions = 0;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal, action);
    sessions++;
    try {
      session ??= await startSession(transport, repo, action, signal);
      const current = session;
      session = undefined;
      await (mode === "chunked" ? uploadChunked(transport, repo, source, current, options, action) : uploadMonolithic(transport, repo, source, current, options, action));
      return { status: "uploaded", sessions };
    } catch (error) {
      if (signal?.aborted) throw error;
      if (mode === "monolithic" && error instanceof RegistryError && error.status === 413) {
        mode = "chunked";
        attempt--;
        continue;
      }
      if (!isSessionRetryable(error)) throw error;
      if (attempt >= transport.retry.attempts) throw new RetriesExhaustedError(action, attempt, error);
      await wait(backoffDelay(transport.retry, attempt), signal);
    }
  }
}

function isSessionRetryable(error: unknown): boolean {
  if (error instanceof RetriesExhaustedError) return false;
  if (error instanceof RegistryError) return error.retryable || error.hasCode("BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID");
  return isRetryableNetworkError(error);
}

async function tryMount(transport: Transport, repo: RepositoryRef, source: BlobSource, from: string, signal?: AbortSignal): Promise<"mounted" | Session> {
  const query = new URLSearchParams({ mount: source.digest, from });
  const response = await transport.request({
    registry: repo.registry,
    // A mount needs pull on the source repository as well as push on the target.
    scopes: [repositoryScope(repo, ["pull", "push"]), repositoryScope({ registry: repo.registry, repository: from }, ["pull"])],
    method: "POST",
    target: `${repositoryPath(repo)}/blobs/uploads/?${query.toString()}`,
    headers: { "content-length": "0" },
    expect: [201, 202],
    action: `mounting blob ${source.digest} from ${from} into ${repo.registry}/${repo.repository}`,
    ...(signal ? { signal } : {}),
  });
  await response.body.dump();
  return response.status === 201 ? "mounted" : sessionFrom(response);
}

async function startSession(transport: Transport, repo: RepositoryRef, action: string, signal?: AbortSignal): Promise<Session> {
  const response = await transport.request({
    registry: repo.registry,
    scopes: [repositoryScope(repo, ["pull", "push"])],
    method: "POST",
    target: `${repositoryPath(repo)}/blobs/uploads/`,
    headers: { "content-length": "0" },
    expect: [202],
    action,
    ...(signal ? { signal } : {}),
  });
  await response.body.dump();
  return sessionFrom(response);
}

function sessionFrom(response: SendResult): Session {
  const location = header(response.headers, "location");
  if (!location) throw new RegistryProtocolError(`the registry opened an upload session at ${response.url.host} without a Location header`);
  const minChunk = Number(header(response.headers, "oci-chunk-min-length") ?? 0);
  return { location: new URL(location, response.url), minChunk: Number.isFinite(minChunk) ? minChunk : 0 };
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url;
}

async function uploadMonolithic(transport: Transport, repo: RepositoryRef, source: BlobSource, session: Session, options: PushBlobOptions, action: string): Promise<void> {
  const response = await transport.request({
    registry: repo.registry,
    scopes: [repositoryScope(repo, ["pull", "push"])],
    method: "PUT",
    target: withDigest(session.location, source.digest).toString(),
    // distribution 2.8 parses a body without this Content-Type as a form and hashes nothing.
    headers: { "content-type": "application/octet-stream", "content-length": String(source.size) },
    body: {
      length: source.size,
      open: async () => counting(await source.open(options.signal ? { signal: options.signal } : {}), options.onProgress && ((n) => options.onProgress!(n, source.size))),
    },
    expect: [201, 204],
    action,
    retry: false,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await response.body.dump();
  checkCommittedDigest(response, source, action);
}

async function uploadChunked(transport: Transport, repo: RepositoryRef, source: BlobSource, session: Session, options: PushBlobOptions, action: string): Promise<void> {
  const chunkSize = Math.max(options.chunkSize ?? defaultChunkSize, session.minChunk, 1);
  const stream = counting(await source.open(options.signal ? { signal: options.signal } : {}), options.onProgress && ((n) => options.onProgress!(n, source.size)));
  const slicer = new Slicer(stream);
  let location = session.location;
  let offset = 0;
  let completedEarly = false;
  try {
    while (offset < source.size) {
      const length = Math.min(chunkSize, source.size - offset);
      const response = await transport.request({
        registry: repo.registry,
        scopes: [repositoryScope(repo, ["pull", "push"])],
        method: "PATCH",
        target: location.toString(),
        headers: { "content-type": "application/octet-stream", "content-length": String(length), "content-range": `${offset}-${offset + length - 1}` },
        body: { length, open: async () => slicer.slice(length) },
        expect: [202, 201, 204],
        action,
        retry: false,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      await response.body.dump();
      checkRange(response, offset + length, action);
      offset += length;
      const next = header(response.headers, "location");
      if (next) location = new URL(next, response.url);
      // ECR answers 201 to the last PATCH; the PUT that follows may then be refused.
      completedEarly = response.status === 201;
    }
  } finally {
    await slicer.close();
  }
  try {
    const response = await transport.request({
      registry: repo.registry,
      scopes: [repositoryScope(repo, ["pull", "push"])],
      method: "PUT",
      target: withDigest(location, source.digest).toString(),
      headers: { "content-type": "application/octet-stream", "content-length": "0" },
      expect: [201, 204],
      action,
      retry: false,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await response.body.dump();
    checkCommittedDigest(response, source, action);
  } catch (error) {
    if (!(completedEarly && error instanceof RegistryError && error.status < 500)) throw error;
    if (!(await blobExists(transport, repo, source.digest, { actions: ["pull", "push"], ...(options.signal ? { signal: options.signal } : {}) }))) throw error;
  }
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
