import type { Readable } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import type { Digest } from "../digest.js";
import type { RepositoryRef } from "../reference/repository-ref.js";

/**
 * What an upload reads from. It must be rewindable: an upload that fails mid-body either resumes
 * from the offset the registry reports or restarts its session, and reads the source again. A
 * file or a content-store blob is rewindable; a one-shot stream is not.
 */
export interface BlobSource {
  readonly digest: Digest;
  readonly size: number;
  open(options: { signal?: AbortSignal }): Promise<Readable | AsyncIterable<Uint8Array>>;
  /**
   * The bytes from `start` to the end, for an upload that resumes part way. Optional: without it
   * the upload calls `open()` and skips `start` bytes (read again, but not sent again).
   */
  openFrom?(start: number, options: { signal?: AbortSignal }): Promise<Readable | AsyncIterable<Uint8Array>>;
}

export interface PushBlobOptions {
  signal?: AbortSignal;
  /** Repositories on the same registry that may hold the blob: tried as cross-repo mounts first. */
  mountFrom?: readonly string[];
  /**
   * "monolithic" (default): POST, then one streamed PUT. "chunked": PATCHes of `chunkSize` bytes
   * (at least the registry's OCI-Chunk-Min-Length), then a PUT. A monolithic upload that the
   * registry or a proxy refuses as too large (413) is retried chunked.
   */
  upload?: "monolithic" | "chunked";
  chunkSize?: number;
  onProgress?: (bytes: number, total: number) => void;
  /** Skip the existence check (the caller knows the registry lacks the blob). */
  skipExistsCheck?: boolean;
  /**
   * A repository of this registry known to hold the blob (the client pushed it there or read it
   * from there, e.g. a `--cache-from` cache): its mount is tried before the existence check. A
   * registry answers a mount with 201 whether or not the target had the blob, so one POST does what
   * HEAD-then-POST would, and no HEAD is spent on a blob known to be in the registry (BuildKit
   * #6123). A refused or failed mount falls back to the usual check, mounts and upload.
   */
  knownSource?: string;
}

export interface PushBlobResult {
  status: "exists" | "mounted" | "uploaded";
  /** Upload sessions started (1 when nothing failed). */
  sessions: number;
  mountedFrom?: string;
}

export interface GetBlobOptions {
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number) => void;
}

/** A manifest reference: a repository plus a tag or a digest. */
export interface ManifestRef extends RepositoryRef {
  readonly tag?: string;
  readonly digest?: Digest;
}

export interface FetchedManifest {
  descriptor: Descriptor;
  /** The exact bytes the registry holds (their digest is the manifest's digest). */
  bytes: Buffer;
}

/**
 * An OCI distribution client as exp's packages and plugins use it: the contract (`@exp/solver`'s
 * export and import contexts) names this interface, so a plugin compiles against it without
 * installing an HTTP client. `@exp/registry`'s `RegistryClient` implements it; a test can hand
 * in a fake.
 */
export interface RegistryApi {
  blobExists(repo: RepositoryRef, digest: Digest, options?: { signal?: AbortSignal }): Promise<boolean>;
  /** Uploads a blob unless the repository has it (mounting it from another repository when one is known to hold it). */
  pushBlob(repo: RepositoryRef, source: BlobSource, options?: PushBlobOptions): Promise<PushBlobResult>;
  /** A stream of the blob, verified against the descriptor's digest and size while it flows. */
  getBlob(repo: RepositoryRef, descriptor: Pick<Descriptor, "digest" | "size">, options?: GetBlobOptions): Promise<Readable>;
  getManifest(ref: ManifestRef, options?: { signal?: AbortSignal }): Promise<FetchedManifest>;
  /** The manifest's descriptor, or undefined when the registry has no such manifest. */
  headManifest(ref: ManifestRef, options?: { signal?: AbortSignal }): Promise<Descriptor | undefined>;
  putManifest(ref: ManifestRef, bytes: Uint8Array, mediaType: string, options?: { signal?: AbortSignal }): Promise<Descriptor>;
  listTags(repo: RepositoryRef, options?: { signal?: AbortSignal; pageSize?: number }): Promise<string[]>;
  /**
   * The referrers of a manifest through the OCI 1.1 referrers API, or undefined when the registry
   * has no such API (a client then keeps the `sha256-<hex>` referrers tag itself). Optional: a
   * client without it is taken to talk to registries without the API.
   */
  getReferrers?(repo: RepositoryRef, digest: Digest, options?: { signal?: AbortSignal }): Promise<Descriptor[] | undefined>;
  /** Records that a repository holds a blob (e.g. a base layer pulled from it), for later mounts. */
  rememberBlob(repo: RepositoryRef, digest: Digest): void;
  close(): Promise<void>;
}
