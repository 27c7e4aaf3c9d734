import type { Readable } from "node:stream";
import { ExpError } from "@exp/errors";
import type { Agent, Dispatcher } from "undici";
import { loadUndici } from "../transport/load-undici.js";
import { redactUrl } from "../errors.js";

/**
 * The shape of @exp/solver's UrlFetcher (`ADD <url>`), repeated here so this package needs no
 * solver: TypeScript matches it structurally.
 */
export interface UrlResponse {
  status: number;
  url: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: Readable;
}

export interface UrlFetcher {
  get(url: string, options: { headers: Readonly<Record<string, string>>; signal?: AbortSignal }): Promise<UrlResponse>;
}

export interface UrlFetcherOptions {
  /** Connection pool to use; default one of its own (close() closes it). */
  dispatcher?: Dispatcher;
  /** How long the server may stay silent: connecting, until headers, between body chunks. Defaults 30 s, 60 s, 60 s. */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Default 10, Go's http.Client limit, which BuildKit's http source uses. */
  maxRedirects?: number;
}

/** A URL that could not be fetched at all: no connection, a bad redirect. */
export class UrlFetchError extends ExpError {
  readonly url: string;
  constructor(code: "ERR_URL_UNREACHABLE" | "ERR_URL_REDIRECT", url: string, detail: string, cause?: unknown) {
    super(code, `GET ${url}: ${detail}`, { cause, fault: "server", retryable: code === "ERR_URL_UNREACHABLE" });
    this.url = url;
  }
}

/**
 * Plain HTTP(S) GETs for `ADD <url>`, on undici: redirects followed as Go's client follows them
 * (301, 302, 303, 307, 308, at most 10, to http or https only), response headers lower-cased,
 * the body streamed. Credentials in a URL are never printed.
 */
export function createUrlFetcher(options: UrlFetcherOptions = {}): UrlFetcher & { close(): Promise<void> } {
  const timeouts = options.timeouts ?? {};
  // Made on the first fetch (see loadUndici), and only when the caller gave no dispatcher.
  let own: Agent | undefined;
  const dispatcherFor = async (): Promise<Dispatcher> => {
    if (options.dispatcher) return options.dispatcher;
    const { Agent } = await loadUndici();
    return (own ??= new Agent({ connect: { timeout: timeouts.connectMs ?? 30_000 }, headersTimeout: timeouts.headersMs ?? 60_000, bodyTimeout: timeouts.bodyMs ?? 60_000 }));
  };
  const maxRedirects = options.maxRedirects ?? 10;
  return {
    async get(url, init) {
      const { request } = await loadUndici();
      const dispatcher = await dispatcherFor();
      let current = new URL(url);
      for (let hop = 0; ; hop++) {
        let response: Dispatcher.ResponseData;
        try {
          response = await request(current, { method: "GET", headers: { ...init.headers }, dispatcher, ...(init.signal ? { signal: init.signal } : {}) });
        } catch (error) {
          if (init.signal?.aborted) throw error;
          throw new UrlFetchError("ERR_URL_UNREACHABLE", redactUrl(current), `no answer: ${(error as Error).message}`, error);
        }
        const location = header(response.headers.location);
        if (![301, 302, 303, 307, 308].includes(response.statusCode) || location === undefined) {
          return { status: response.statusCode, url: redactUrl(current), headers: lowerCased(response.headers), body: response.body };
        }
        await response.body.dump();
        if (hop >= maxRedirects) throw new UrlFetchError("ERR_URL_REDIRECT", redactUrl(new URL(url)), `stopped after ${maxRedirects} redirects`);
        const next = new URL(location, current);
        if (next.protocol !== "http:" && next.protocol !== "https:") {
          throw new UrlFetchError("ERR_URL_REDIRECT", redactUrl(current), `redirected to ${next.protocol} URL ${redactUrl(next)}; only http and https are followed`);
        }
        current = next;
      }
    },
    async close() {
      await own?.close();
    },
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function lowerCased(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}
