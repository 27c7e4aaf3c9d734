import type { ContentStore } from "@exp/content";
import type { Digest } from "@exp/oci-spec";
import type { FsSource } from "../fs/index.js";
import type { ProgressReporter } from "../progress/reporter.js";
import { MissingUrlFetcherError } from "../sources/url-errors.js";
import { downloadUrl, type DownloadedFile } from "../sources/url-download.js";
import type { UrlFetcher } from "../sources/url-fetcher.js";
import { urlFileMode, urlFileSource } from "../sources/url-file-source.js";
import { digestOfValue } from "./canonical.js";
import type { HttpNode } from "./nodes.js";

/** An http node's cache key, and its file (downloaded at most once per build). */
export interface ResolvedHttp {
  readonly cacheKey: Digest;
  /** The file's digest: the `--checksum` given (the download is checked against it), else the download's. */
  readonly digest: Digest;
  source(): Promise<FsSource>;
}

export interface HttpResolverOptions {
  store: ContentStore;
  lease: string;
  fetcher: UrlFetcher | undefined;
  vertex: (name: string) => ProgressReporter;
  userAgent: string;
  signal?: AbortSignal;
}

/**
 * Cache keys of http nodes as BuildKit's httpsource computes them (source/http formatCacheKey):
 * the file name and mode with either the `--checksum` digest (known without a request, so a
 * cache hit downloads nothing) or the digest of the download and its Last-Modified. Without a
 * checksum the file must be fetched to know its key, as in BuildKit, but a copy stored with an
 * ETag is only revalidated (If-None-Match), so an unchanged file is not downloaded again.
 */
export class HttpResolver {
  private readonly resolved = new Map<string, Promise<ResolvedHttp>>();

  constructor(private readonly options: HttpResolverOptions) {}

  resolve(node: HttpNode): Promise<ResolvedHttp> {
    const id = JSON.stringify([node.url, node.filename, node.checksum ?? ""]);
    let pending = this.resolved.get(id);
    if (!pending) {
      pending = this.resolveNode(node);
      this.resolved.set(id, pending);
    }
    return pending;
  }

  private async resolveNode(node: HttpNode): Promise<ResolvedHttp> {
    const perm = urlFileMode;
    let downloading: Promise<DownloadedFile> | undefined;
    const download = () => (downloading ??= this.download(node));
    const source = async () => urlFileSource(this.options.store, node.filename, await download());
    if (node.checksum) {
      return { cacheKey: digestOfValue({ v: 1, op: "http", filename: node.filename, perm, checksum: node.checksum }), digest: node.checksum, source };
    }
    const file = await download();
    const cacheKey = digestOfValue({ v: 1, op: "http", filename: node.filename, perm, checksum: file.digest, lastModified: file.lastModified });
    return { cacheKey, digest: file.digest, source };
  }

  private async download(node: HttpNode): Promise<DownloadedFile> {
    const fetcher = this.options.fetcher;
    if (!fetcher) throw new MissingUrlFetcherError(node.url);
    const vertex = this.options.vertex(node.description ?? `GET ${node.url}`);
    return vertex.run(async () => {
      const file = await downloadUrl({
        fetcher,
        store: this.options.store,
        lease: this.options.lease,
        url: node.url,
        // BuildKit's urlHash: what names the download, not its content.
        recordKey: digestOfValue({ v: 1, op: "http-record", url: node.url, filename: node.filename, perm: urlFileMode }),
        filename: node.filename,
        ...(node.checksum ? { checksum: node.checksum } : {}),
        userAgent: this.options.userAgent,
        onBytes: (received, total) => vertex.bytes("download", "downloading", received, total),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
      if (file.notModified) vertex.log(`${node.url}: not modified since the last download (ETag), reused`);
      return file;
    }, this.options.signal);
  }
}
