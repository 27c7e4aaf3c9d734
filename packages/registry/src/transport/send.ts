import { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { loadUndici } from "./load-undici.js";
import { RegistryNetworkError, RegistryProtocolError, redactUrl } from "../errors.js";
import type { Hosts } from "./hosts.js";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * A request body that can be produced again, so a failed attempt can be retried from the start:
 * bytes in memory, or a factory that opens a fresh stream (a file, a store blob).
 */
export type RequestBody = string | Uint8Array | { open(): Promise<Readable | AsyncIterable<Uint8Array>>; length: number };

export interface SendInit {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal;
}

export interface SendResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData["body"];
  /** The URL that answered, after redirects. */
  url: URL;
}

const maxRedirects = 5;

/**
 * One HTTP exchange on the host's keep-alive pool, following redirects itself so that the
 * Authorization header is dropped whenever a redirect leaves the registry's host (a blob GET that
 * redirects to object storage must not carry the registry token there).
 */
export async function send(hosts: Hosts, init: SendInit): Promise<SendResult> {
  let url = init.url;
  let method = init.method;
  let headers = { ...init.headers };
  for (let hop = 0; ; hop++) {
    let response: Dispatcher.ResponseData;
    try {
      const { request } = await loadUndici();
      const dispatcher = await hosts.dispatcher(url);
      const body = init.body === undefined || method === "GET" || method === "HEAD" ? undefined : await openBody(init.body);
      response = await request(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        dispatcher,
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw new RegistryNetworkError(method, redactUrl(url), error);
    }
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(response.statusCode) || location === undefined) {
      return { status: response.statusCode, headers: response.headers, body: response.body, url };
    }
    await response.body.dump();
    if (hop >= maxRedirects) throw new RegistryProtocolError(`${init.method} ${redactUrl(init.url)}: more than ${maxRedirects} redirects`);
    const next = new URL(Array.isArray(location) ? location[0]! : location, url);
    if (next.host !== url.host || next.protocol !== url.protocol) {
      const { authorization: _dropped, ...rest } = headers;
      headers = rest;
    }
    // 303 turns anything into a GET; 301/302 do so for POST, as browsers and Go's client do.
    if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === "POST")) method = "GET";
    url = next;
  }
}

async function openBody(body: RequestBody): Promise<string | Uint8Array | Readable> {
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  const opened = await body.open();
  // undici streams async iterables too, but its types accept only Readable.
  return opened instanceof Readable ? opened : Readable.from(opened, { objectMode: false });
}

export function bodyLength(body: RequestBody | undefined): number {
  if (body === undefined) return 0;
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return body.length;
}

/** A header value as one string. */
export function header(headers: SendResult["headers"], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
