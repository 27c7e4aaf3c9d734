import { request as httpRequestRaw, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequestRaw } from "node:https";
import { AbortedError } from "@exp/errors";

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Uint8Array;
  /** PEM CA certificate(s) to trust for https (the test registry's self-signed cert). */
  ca?: string;
  /** Gives up (rejects) after this long. Default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One HTTP(S) request on a fresh connection (no agent, so no kept-alive socket outlives it),
 * with the whole response body buffered. For readiness polls and small test requests only.
 */
export function httpRequest(url: string | URL, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const target = typeof url === "string" ? new URL(url) : url;
  const make = target.protocol === "https:" ? httpsRequestRaw : httpRequestRaw;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new AbortedError(`${options.method ?? "GET"} ${target.href}`, options.signal.reason));
    const headers: OutgoingHttpHeaders = { ...options.headers };
    if (options.body !== undefined && headers["content-length"] === undefined) headers["content-length"] = Buffer.byteLength(options.body);
    const req = make(target, {
      method: options.method ?? "GET",
      headers,
      agent: false,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      timeout: options.timeoutMs ?? 10_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    req.on("timeout", () => req.destroy(new Error(`${options.method ?? "GET"} ${target.href}: no response within ${options.timeoutMs ?? 10_000} ms`)));
    req.on("error", (error) => {
      reject(options.signal?.aborted ? new AbortedError(`${options.method ?? "GET"} ${target.href}`, options.signal.reason) : error);
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(options.body);
  });
}
