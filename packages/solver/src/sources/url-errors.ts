import { ExpError } from "@exp/errors";

/** A build with `ADD <url>` whose caller gave the solver no UrlFetcher. */
export class MissingUrlFetcherError extends ExpError {
  readonly url: string;
  constructor(url: string) {
    super(
      "ERR_URL_FETCHER_REQUIRED",
      `${url}: downloading a URL needs an HTTP client, and the build was given none (SolverOptions.http, buildImage's http option; @exp/registry's createUrlFetcher is one)`,
    );
    this.url = url;
  }
}

/** The server's final answer (after redirects) was not 200, or 304 to a conditional request. */
export class UrlStatusError extends ExpError {
  readonly url: string;
  readonly status: number;
  constructor(url: string, status: number, finalUrl: string) {
    // BuildKit's httpsource: "invalid response status %d" for anything outside 2xx/3xx.
    const via = finalUrl === url ? "" : ` (redirected to ${finalUrl})`;
    super(status === 404 ? "ERR_URL_NOT_FOUND" : "ERR_URL_STATUS", `GET ${url}${via} answered ${status}${status === 404 ? " Not Found" : ""}; the file cannot be downloaded`, {
      fault: "server",
      retryable: status >= 500 || status === 408 || status === 429,
    });
    this.url = url;
    this.status = status;
  }
}

/** `ADD --checksum=<digest>` and the downloaded bytes hash to another digest. */
export class UrlChecksumMismatchError extends ExpError {
  readonly url: string;
  readonly expected: string;
  readonly actual: string;
  constructor(url: string, expected: string, actual: string, cause?: unknown) {
    // BuildKit's words (source/http: "digest mismatch for %s: %s (expected: %s)"), both digests named.
    super("ERR_URL_CHECKSUM_MISMATCH", `digest mismatch for ${url}: the download is ${actual}, but --checksum expects ${expected}`, { cause, fault: "server" });
    this.url = url;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The connection ended before the whole body came (a Content-Length not reached, a reset). */
export class UrlBodyIncompleteError extends ExpError {
  readonly url: string;
  readonly received: number;
  readonly expectedSize: number | undefined;
  constructor(url: string, received: number, expectedSize: number | undefined, cause?: unknown) {
    const of = expectedSize === undefined ? "" : ` of ${expectedSize}`;
    const why = cause instanceof Error ? `: ${cause.message}` : "";
    super("ERR_URL_BODY_INCOMPLETE", `the download of ${url} stopped after ${received}${of} bytes${why}; nothing was kept`, { cause, fault: "server", retryable: true });
    this.url = url;
    this.received = received;
    this.expectedSize = expectedSize;
  }
}
