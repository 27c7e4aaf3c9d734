import { throwIfAborted } from "@exp/errors";
import { RegistryError, RetriesExhaustedError } from "../errors.js";
import { repositoryPath, repositoryScope, type RepositoryRef } from "../repository.js";
import { backoffDelay, isRetryableNetworkError, wait } from "../transport/retry.js";
import type { Transport } from "../transport/transport.js";
import type { BlobSource, PushBlobOptions, PushBlobResult } from "@exp/oci-spec";
import { counting } from "./counting.js";
import { blobExists } from "./blob-exists.js";
import { defaultChunkSize, putWithDigest, uploadChunked, type Upload } from "./chunked-upload.js";
import { sessionFrom, startSession, type Session } from "./upload-session.js";

export { defaultChunkSize } from "./chunked-upload.js";
export type { PushBlobOptions, PushBlobResult };

/**
 * Uploads one blob: HEAD, cross-repo mount, then a streamed upload (a mount from a repository known
 * to hold the blob goes before the HEAD: see `knownSource`). An upload that fails part way (a
 * reset, a 5xx) in chunks resumes from the offset the registry reports holding (see
 * `uploadChunked`); one whose session the registry no longer knows, or cannot report, is restarted
 * as a new session, since undici's own retry never repeats POST/PATCH/PUT.
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
      const upload: Upload = { transport, repo, source, options, action };
      await (mode === "chunked" ? uploadChunked(upload, current) : uploadMonolithic(upload, current));
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
      // A whole-blob PUT that fails costs the whole blob each time; chunks cost at most a chunk each
      // (see uploadChunked), so a large blob on a flaky link goes on in chunks.
      if (mode === "monolithic" && source.size > (options.chunkSize ?? defaultChunkSize)) mode = "chunked";
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

/** POST's session, then one streamed PUT of the whole blob. */
async function uploadMonolithic(upload: Upload, session: Session): Promise<void> {
  const { source, options } = upload;
  const progress = options.onProgress && ((n: number) => options.onProgress!(n, source.size));
  await putWithDigest(upload, session, { length: source.size, open: async () => counting(await source.open(options.signal ? { signal: options.signal } : {}), progress) });
}
