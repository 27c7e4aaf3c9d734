import { RegistryProtocolError } from "../errors.js";
import { repositoryPath, repositoryScope, type RepositoryRef } from "../repository.js";
import { header, type SendResult } from "../transport/send.js";
import type { Transport } from "../transport/transport.js";

/** An open upload session: where to send the next request, and the registry's smallest chunk. */
export interface Session {
  location: URL;
  minChunk: number;
}

export async function startSession(transport: Transport, repo: RepositoryRef, action: string, signal?: AbortSignal): Promise<Session> {
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

export function sessionFrom(response: SendResult): Session {
  const location = header(response.headers, "location");
  if (!location) throw new RegistryProtocolError(`the registry opened an upload session at ${response.url.host} without a Location header`);
  const minChunk = Number(header(response.headers, "oci-chunk-min-length") ?? 0);
  return { location: new URL(location, response.url), minChunk: Number.isFinite(minChunk) ? minChunk : 0 };
}

/**
 * Asks the registry how many bytes of an upload it holds (GET on the session: 204 with `Range:
 * 0-<last byte>`, distribution spec "Getting an upload's status"), so a failed request can be
 * resumed from there rather than from the start. A session the registry no longer knows answers
 * 404 BLOB_UPLOAD_UNKNOWN, which the caller takes as "start a new session".
 */
export async function uploadStatus(transport: Transport, repo: RepositoryRef, session: Session, action: string, signal?: AbortSignal): Promise<{ session: Session; offset: number }> {
  const response = await transport.request({
    registry: repo.registry,
    scopes: [repositoryScope(repo, ["pull", "push"])],
    method: "GET",
    target: session.location.toString(),
    expect: [204],
    action: `${action}: asking how much of the upload the registry holds`,
    ...(signal ? { signal } : {}),
  });
  await response.body.dump();
  const location = header(response.headers, "location");
  const next = location ? { ...session, location: new URL(location, response.url) } : session;
  return { session: next, offset: receivedBytes(header(response.headers, "range"), action) };
}

/**
 * The byte count a status Range stands for. Distribution (registry/handlers/blobupload.go,
 * blobUploadResponse) writes `0-0` both for an empty upload and for one byte: read as empty, the
 * worst case is one byte sent twice, which the registry refuses with 416 and the session restarts.
 */
export function receivedBytes(range: string | undefined, action: string): number {
  if (range === undefined) return 0; // nothing received yet: some registries omit the header then
  const match = /^(?:bytes=)?0-(\d+)$/.exec(range.trim());
  if (!match) throw new RegistryProtocolError(`${action}: the registry reports the upload's Range as ${JSON.stringify(range)}, expected 0-<last byte>`);
  const last = Number(match[1]);
  return last === 0 ? 0 : last + 1;
}

export function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set("digest", digest);
  return url;
}
