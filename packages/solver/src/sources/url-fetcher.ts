import type { Readable } from "node:stream";

/**
 * The one HTTP call `ADD <url>` needs, injected: @exp/solver speaks no HTTP itself (issue 12), so
 * the front end's caller passes an implementation (@exp/registry's `createUrlFetcher`, on undici).
 * Without one, a build with an http node fails with MissingUrlFetcherError.
 */
export interface UrlFetcher {
  /**
   * A GET of `url`, redirects followed (Go's http.Client, which BuildKit uses, follows up to 10).
   * Resolves once the final response's headers are in, whatever its status; the caller reads or
   * destroys `body`. A body cut short must make `body` fail, never end early without an error.
   */
  get(url: string, options: UrlGetOptions): Promise<UrlResponse>;
}

export interface UrlGetOptions {
  headers: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

export interface UrlResponse {
  status: number;
  /** The URL that answered, after redirects. */
  url: string;
  /** Header names lower-case; a repeated header joined with ", ". */
  headers: Readonly<Record<string, string | undefined>>;
  body: Readable;
}
