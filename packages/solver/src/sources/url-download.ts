import type { Readable } from "node:stream";
import { SizeMismatchError, type ContentStore } from "@exp/content";
import { throwIfAborted } from "@exp/errors";
import { DigestMismatchError, type Digest } from "@exp/oci-spec";
import { UrlBodyIncompleteError, UrlChecksumMismatchError, UrlStatusError } from "./url-errors.js";
import type { UrlFetcher } from "./url-fetcher.js";
import { getUrlRecord, putUrlRecord } from "./url-records.js";

/** A downloaded file: its bytes are the store's blob `digest`. */
export interface DownloadedFile {
  readonly digest: Digest;
  readonly size: number;
  /** From Last-Modified; 0 (the Unix epoch) without one, as BuildKit's httpsource sets it. */
  readonly mtimeMs: number;
  /** The Last-Modified header as sent: part of the cache key, as in BuildKit's formatCacheKey. */
  readonly lastModified?: string;
  /** True when the server said the stored copy is current (304) and nothing was downloaded. */
  readonly notModified: boolean;
}

export interface DownloadOptions {
  fetcher: UrlFetcher;
  store: ContentStore;
  lease: string;
  url: string;
  /** The record key: a hash of what names the download (URL, file name, mode), BuildKit's urlHash. */
  recordKey: Digest;
  filename: string;
  /** `--checksum`: verified while streaming; a mismatch commits nothing. */
  checksum?: Digest;
  userAgent: string;
  onBytes?: (received: number, total: number | undefined) => void;
  signal?: AbortSignal;
}

/**
 * Downloads a URL into the content store, streamed and hashed on the way (never held in memory),
 * as BuildKit's httpsource does: a stored copy with an ETag is revalidated with If-None-Match
 * (a 304 reuses it), any status but 2xx fails (after redirects, which the fetcher follows), and a
 * body that ends before its Content-Length, or with a connection error, fails. (BuildKit first
 * tries a HEAD to compare ETags by hand, for servers that mishandle If-None-Match; exp sends the
 * conditional GET only.)
 */
export async function downloadUrl(options: DownloadOptions): Promise<DownloadedFile> {
  const { store, url, signal } = options;
  const signalOption = signal ? { signal } : {};
  const stored = await getUrlRecord(store, options.recordKey, signalOption);
  const headers: Record<string, string> = { "user-agent": options.userAgent };
  if (stored) headers["if-none-match"] = stored.etag;
  const response = await options.fetcher.get(url, { headers, ...signalOption });

  if (response.status === 304 && stored) {
    response.body.resume();
    if (options.checksum && stored.digest !== options.checksum) throw new UrlChecksumMismatchError(url, options.checksum, stored.digest);
    await store.leases.addResource(options.lease, stored.digest, signalOption);
    return { digest: stored.digest, size: stored.size, mtimeMs: mtimeOf(stored.lastModified), ...(stored.lastModified ? { lastModified: stored.lastModified } : {}), notModified: true };
  }
  if (response.status < 200 || response.status >= 300) {
    discard(response.body);
    throw new UrlStatusError(url, response.status, response.url);
  }

  const lengthHeader = response.headers["content-length"];
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  let received = 0;
  // An error of the body's own stream (a reset, a socket closed mid-chunk), told apart from the
  // store's (disk, lease), which are reported as they are.
  let bodyError: unknown;
  response.body.once("error", (error) => (bodyError = error));
  let ingested;
  try {
    ingested = await store.ingest(response.body, {
      lease: options.lease,
      expected: { ...(options.checksum ? { digest: options.checksum } : {}), ...(total === undefined ? {} : { size: total }) },
      onProgress: (bytes) => {
        received = bytes;
        options.onBytes?.(bytes, total);
      },
      ...signalOption,
    });
  } catch (error) {
    discard(response.body);
    throwIfAborted(signal, `downloading ${url}`);
    if (error instanceof DigestMismatchError && options.checksum) throw new UrlChecksumMismatchError(url, options.checksum, error.actual, error);
    // Too few bytes for the Content-Length: the connection closed early. (Too many is the server's
    // error too, but a different one: reported as the store's SizeMismatchError.)
    if (error instanceof SizeMismatchError && total !== undefined && error.actual < total) throw new UrlBodyIncompleteError(url, error.actual, total, error);
    if (bodyError !== undefined) throw new UrlBodyIncompleteError(url, received, total, bodyError);
    throw error;
  }

  const lastModified = response.headers["last-modified"];
  const etag = response.headers["etag"];
  if (etag) {
    await putUrlRecord(
      store,
      options.recordKey,
      { url, filename: options.filename, etag, digest: ingested.digest, size: ingested.size, ...(lastModified ? { lastModified } : {}) },
      { lease: options.lease, ...signalOption },
    );
  }
  return { digest: ingested.digest, size: ingested.size, mtimeMs: mtimeOf(lastModified), ...(lastModified ? { lastModified } : {}), notModified: false };
}

/**
 * Drops a body not to be read. A destroyed stream may still report the abort (undici's
 * RequestAbortedError) after everyone stopped listening: that is expected, not a crash.
 */
function discard(body: Readable): void {
  body.on("error", () => {});
  body.destroy();
}

/** Go's http.ParseTime accepts RFC 1123, RFC 850 and asctime dates; Date.parse reads all three. Unreadable: the epoch, as BuildKit. */
function mtimeOf(lastModified: string | undefined): number {
  if (!lastModified) return 0;
  const ms = Date.parse(lastModified);
  return Number.isNaN(ms) ? 0 : ms;
}
