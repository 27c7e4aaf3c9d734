import type { Readable } from "node:stream";
import type { Descriptor, Digest, RegistryApi } from "@exp/oci-spec";
import type { BlobSource } from "./blobs/blob-source.js";
import { blobExists } from "./blobs/blob-exists.js";
import { getBlob, type GetBlobOptions } from "./blobs/get-blob.js";
import { asNetworkError, typedBody } from "./blobs/typed-body.js";
import { pushBlob, type PushBlobOptions, type PushBlobResult } from "./blobs/push-blob.js";
import type { PushLocks } from "./blobs/push-lock.js";
import { getManifest, headManifest, listTags, putManifest, type FetchedManifest, type ManifestRef } from "./manifests/manifests.js";
import { getReferrers } from "./manifests/referrers.js";
import type { RepositoryRef } from "./repository.js";
import { Authenticator, type AuthOptions } from "./transport/authenticator.js";
import { Hosts, type HostOptions } from "./transport/hosts.js";
import { sharedHostLimiters, type HostLimiters } from "./transport/limiter.js";
import { retryPolicy, type RetryOptions } from "./transport/retry.js";
import { Transport } from "./transport/transport.js";

export interface RegistryClientOptions extends HostOptions, AuthOptions {
  retry?: RetryOptions;
  /**
   * Per-host concurrency limits. Defaults to the process-wide `sharedHostLimiters`, so an image
   * push and a cache push to one registry share its slots even through different clients.
   */
  limiters?: HostLimiters;
  /**
   * Serializes pushes of a blob to a repository with other processes (`filePushLocks`; exp keeps
   * them in the content store), so that two builds pushing the same layer at once send it once.
   */
  pushLocks?: PushLocks;
}

/**
 * An OCI distribution client. One instance keeps a connection pool per registry host, the
 * credentials and tokens it resolved, and which repositories are known to hold which blobs (so a
 * later push mounts instead of uploading).
 */
export class RegistryClient implements RegistryApi {
  readonly transport: Transport;
  private readonly limiters: HostLimiters;
  /** Blob uploads in progress, per registry and digest: a second push of the same blob waits, then finds or mounts it. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Repositories known to hold a blob, per registry and digest: mount sources for later pushes. */
  private readonly holders = new Map<string, Set<string>>();
  private readonly pushLocks: PushLocks | undefined;

  constructor(options: RegistryClientOptions = {}) {
    const hosts = new Hosts(options);
    this.transport = new Transport(hosts, new Authenticator(hosts, options), retryPolicy(options.retry));
    this.limiters = options.limiters ?? sharedHostLimiters;
    this.pushLocks = options.pushLocks;
  }

  blobExists(repo: RepositoryRef, digest: Digest, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return this.limiters.run(repo.registry, "manifest", options.signal, () => blobExists(this.transport, repo, digest, options));
  }

  /**
   * Uploads a blob unless the repository has it, mounting it from another repository of the same
   * registry when one is known to hold it. Concurrent pushes of one blob to one registry upload it
   * once: the later ones wait for the first and then mount from its repository. With `pushLocks`,
   * a push of the same blob to the same repository by another process is waited for too.
   */
  async pushBlob(repo: RepositoryRef, source: BlobSource, options: PushBlobOptions = {}): Promise<PushBlobResult> {
    const key = `${repo.registry}|${source.digest}`;
    // Wait for a push of the same blob already running: then this one finds it (same repository)
    // or mounts it (another repository) instead of sending it again.
    const running = this.inFlight.get(key);
    if (running) await running.catch(() => undefined);
    // Known to be there already (pushed by this client, or read from this repository's cache):
    // no HEAD, as BuildKit #6123 asked for blobs known from --cache-from.
    const holders = this.holders.get(key);
    if (holders?.has(repo.repository) && !options.skipExistsCheck) return { status: "exists", sessions: 0 };
    const mountFrom = [...(options.mountFrom ?? []), ...(holders ?? [])];
    // Held by another repository of this registry: mount from it without a HEAD first, whether
    // or not the target has it (the image pushed next to the cache it was built from).
    const knownSource = [...(holders ?? [])].find((r) => r !== repo.repository);
    const push = (waited: boolean) =>
      this.limiters.run(repo.registry, "blob", options.signal, () =>
        // After waiting for another process's push of this blob, always ask whether it is there now.
        pushBlob(this.transport, repo, source, { ...options, ...(waited ? { skipExistsCheck: false } : {}), mountFrom, ...(knownSource ? { knownSource } : {}) }),
      );
    // The lock is taken before a connection slot, so a push waiting for another process holds none.
    const done = this.pushLocks ? this.pushLocks.run({ registry: repo.registry, repository: repo.repository, digest: source.digest }, options.signal, push) : push(false);
    this.inFlight.set(key, done);
    try {
      const result = await done;
      this.remember(key, repo.repository);
      return result;
    } finally {
      if (this.inFlight.get(key) === done) this.inFlight.delete(key);
    }
  }

  /** A verified stream of the blob; the host's blob slot is held until the stream ends. */
  async getBlob(repo: RepositoryRef, descriptor: Pick<Descriptor, "digest" | "size">, options: GetBlobOptions = {}): Promise<Readable> {
    const release = await this.limiters.get(repo.registry, "blob").acquire(options.signal);
    const what = `blob ${descriptor.digest} of ${repo.registry}/${repo.repository}`;
    try {
      const stream = await getBlob(this.transport, repo, descriptor, options);
      stream.once("close", release);
      return typedBody(stream, what);
    } catch (error) {
      release();
      throw asNetworkError(error, "GET", what);
    }
  }

  getManifest(ref: ManifestRef, options: { signal?: AbortSignal } = {}): Promise<FetchedManifest> {
    return this.limiters
      .run(ref.registry, "manifest", options.signal, () => getManifest(this.transport, ref, options))
      .catch((error: unknown) => Promise.reject(asNetworkError(error, "GET", `manifest ${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? ""}`}`)));
  }

  headManifest(ref: ManifestRef, options: { signal?: AbortSignal } = {}): Promise<Descriptor | undefined> {
    return this.limiters.run(ref.registry, "manifest", options.signal, () => headManifest(this.transport, ref, options));
  }

  putManifest(ref: ManifestRef, bytes: Uint8Array, mediaType: string, options: { signal?: AbortSignal } = {}): Promise<Descriptor> {
    return this.limiters.run(ref.registry, "manifest", options.signal, () => putManifest(this.transport, ref, bytes, mediaType, options));
  }

  /** The referrers of a manifest (OCI 1.1 referrers API), or undefined when the registry has none. */
  getReferrers(repo: RepositoryRef, digest: Digest, options: { signal?: AbortSignal } = {}): Promise<Descriptor[] | undefined> {
    return this.limiters.run(repo.registry, "manifest", options.signal, () => getReferrers(this.transport, repo, digest, options));
  }

  listTags(repo: RepositoryRef, options: { signal?: AbortSignal; pageSize?: number } = {}): Promise<string[]> {
    return this.limiters.run(repo.registry, "manifest", options.signal, () => listTags(this.transport, repo, options));
  }

  /** Records that a repository holds a blob (e.g. a base layer pulled from it), for later mounts. */
  rememberBlob(repo: RepositoryRef, digest: Digest): void {
    this.remember(`${repo.registry}|${digest}`, repo.repository);
  }

  close(): Promise<void> {
    return this.transport.hosts.close();
  }

  private remember(key: string, repository: string): void {
    let set = this.holders.get(key);
    if (!set) this.holders.set(key, (set = new Set()));
    set.add(repository);
  }
}

export function createRegistryClient(options: RegistryClientOptions = {}): RegistryClient {
  return new RegistryClient(options);
}
