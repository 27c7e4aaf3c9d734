import { ExpError } from "@exp/errors";
import { Digester, DigestMismatchError, digestOf, parseDigest, type Descriptor, type Digest, type FetchedManifest, type ManifestRef } from "@exp/oci-spec";
import { RegistryError, RegistryProtocolError } from "../errors.js";
import { repositoryPath, repositoryScope, type RepositoryRef } from "../repository.js";
import { backoffDelay, isRetryableNetworkError, wait } from "../transport/retry.js";
import { header, type SendResult } from "../transport/send.js";
import type { Transport } from "../transport/transport.js";
import { manifestAccept, maxManifestBytes } from "./manifest-accept.js";

export type { FetchedManifest, ManifestRef };

function reference(ref: ManifestRef): string {
  const value = ref.digest ?? ref.tag;
  if (!value) throw new ExpError("ERR_INVALID_REFERENCE", `${ref.registry}/${ref.repository} needs a tag or a digest to address a manifest`);
  return value;
}

function describe(ref: ManifestRef): string {
  return `${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? ""}`}`;
}

/** GET a manifest or index. Its bytes are verified against the digest we asked for, or the one the registry claims. */
export async function getManifest(transport: Transport, ref: ManifestRef, options: { signal?: AbortSignal } = {}): Promise<FetchedManifest> {
  let response: SendResult;
  let bytes: Buffer;
  // The transport retries until the headers arrive; a body that breaks after them (a reset, a
  // body timeout) is retried here, within the same policy.
  for (let attempt = 1; ; attempt++) {
    response = await transport.request({
      registry: ref.registry,
      scopes: [repositoryScope(ref, ["pull"])],
      method: "GET",
      target: `${repositoryPath(ref)}/manifests/${reference(ref)}`,
      headers: { accept: manifestAccept },
      expect: [200],
      action: `fetching manifest ${describe(ref)}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    try {
      bytes = await readLimited(response, maxManifestBytes, describe(ref));
      break;
    } catch (error) {
      if (options.signal?.aborted || !isRetryableNetworkError(error) || attempt >= transport.retry.attempts) throw error;
      await wait(backoffDelay(transport.retry, attempt), options.signal);
    }
  }
  const expected = ref.digest ?? (header(response.headers, "docker-content-digest") as Digest | undefined);
  const algorithm = expected ? parseDigest(expected).algorithm : "sha256";
  const digester = new Digester(algorithm);
  digester.update(bytes);
  const actual = digester.digest();
  if (expected !== undefined && actual !== expected) throw new DigestMismatchError(`manifest ${describe(ref)}`, expected, actual);
  const mediaType = (header(response.headers, "content-type") ?? "").split(";")[0]!.trim() || sniffMediaType(bytes);
  return { descriptor: { mediaType, digest: actual, size: bytes.length }, bytes };
}

/** HEAD a manifest: its descriptor, or undefined when the registry does not have it. */
export async function headManifest(transport: Transport, ref: ManifestRef, options: { signal?: AbortSignal } = {}): Promise<Descriptor | undefined> {
  const response = await transport.request({
    registry: ref.registry,
    scopes: [repositoryScope(ref, ["pull"])],
    method: "HEAD",
    target: `${repositoryPath(ref)}/manifests/${reference(ref)}`,
    headers: { accept: manifestAccept },
    expect: [200, 404],
    action: `checking manifest ${describe(ref)}`,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await response.body.dump();
  if (response.status === 404) return undefined;
  const digest = header(response.headers, "docker-content-digest");
  if (!digest) throw new RegistryProtocolError(`HEAD of manifest ${describe(ref)} returned no Docker-Content-Digest`);
  return {
    mediaType: (header(response.headers, "content-type") ?? "").split(";")[0]!.trim(),
    digest: digest as Digest,
    size: Number(header(response.headers, "content-length") ?? 0),
  };
}

/**
 * PUT a manifest or index under a tag (or its own digest). Returns its descriptor; the digest is
 * computed from the bytes and checked against the registry's Docker-Content-Digest.
 */
/** How long a manifest PUT refused for an unknown blob waits before its one more try. */
const blobLinkRaceDelayMs = 250;

export async function putManifest(
  transport: Transport,
  ref: ManifestRef,
  bytes: Uint8Array,
  mediaType: string,
  options: { signal?: AbortSignal } = {},
): Promise<Descriptor> {
  const digest = digestOf(bytes);
  if (ref.digest !== undefined && ref.digest !== digest) throw new DigestMismatchError(`manifest for ${describe(ref)}`, ref.digest, digest);
  const target = ref.tag ?? digest;
  const put = () =>
    transport.request({
      registry: ref.registry,
      scopes: [repositoryScope(ref, ["pull", "push"])],
      method: "PUT",
      target: `${repositoryPath(ref)}/manifests/${target}`,
      headers: { "content-type": mediaType, "content-length": String(bytes.byteLength) },
      body: bytes,
      expect: [201, 200, 204],
      action: `pushing manifest ${digest} to ${ref.registry}/${ref.repository}:${target}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const response = await put().catch(async (error: unknown) => {
    // distribution 2.x rewrites a repository's blob link in place (truncate, then write) on every
    // upload or mount, so while another build mounts a blob this one uploaded, the registry can
    // read the link empty or cut short and refuse a manifest whose blobs are all there (as unknown
    // or as an invalid digest). One more try, a moment later, tells that race from a blob that is
    // really missing (which fails again, as it should).
    if (!(error instanceof RegistryError) || !error.hasCode("MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN", "DIGEST_INVALID")) throw error;
    await wait(blobLinkRaceDelayMs, options.signal);
    return put();
  });
  await response.body.dump();
  const committed = header(response.headers, "docker-content-digest");
  if (committed !== undefined && committed !== digest) {
    throw new RegistryProtocolError(`the registry stored manifest ${describe(ref)} as ${committed}, but we sent ${digest}`);
  }
  return { mediaType, digest, size: bytes.byteLength };
}

/** Every tag of a repository, following `Link: <…>; rel="next"` pagination. */
export async function listTags(transport: Transport, repo: RepositoryRef, options: { signal?: AbortSignal; pageSize?: number } = {}): Promise<string[]> {
  const tags: string[] = [];
  let target: string | undefined = `${repositoryPath(repo)}/tags/list${options.pageSize ? `?n=${options.pageSize}` : ""}`;
  for (let page = 0; target !== undefined && page < 10_000; page++) {
    const response: SendResult = await transport.request({
      registry: repo.registry,
      scopes: [repositoryScope(repo, ["pull"])],
      method: "GET",
      target,
      expect: [200],
      action: `listing tags of ${repo.registry}/${repo.repository}`,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const body = JSON.parse((await readLimited(response, maxManifestBytes, "tag list")).toString("utf8")) as { tags?: string[] | null };
    tags.push(...(body.tags ?? []));
    const link = header(response.headers, "link");
    const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
    target = next === undefined ? undefined : new URL(next, response.url).toString();
  }
  return tags;
}

export async function readLimited(response: SendResult, limit: number, what: string): Promise<Buffer> {
  const declared = Number(header(response.headers, "content-length") ?? -1);
  if (declared > limit) {
    response.body.destroy();
    throw new ExpError("ERR_TOO_LARGE", `${what} is ${declared} bytes; exp reads at most ${limit} bytes for a manifest`, { fault: "server" });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      response.body.destroy();
      throw new ExpError("ERR_TOO_LARGE", `${what} is larger than ${limit} bytes, the most exp reads for a manifest`, { fault: "server" });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sniffMediaType(bytes: Buffer): string {
  try {
    const parsed = JSON.parse(bytes.toString("utf8")) as { mediaType?: unknown; manifests?: unknown };
    if (typeof parsed.mediaType === "string") return parsed.mediaType;
    return Array.isArray(parsed.manifests) ? "application/vnd.oci.image.index.v1+json" : "application/vnd.oci.image.manifest.v1+json";
  } catch {
    return "application/octet-stream";
  }
}
