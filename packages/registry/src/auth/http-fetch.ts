/**
 * The HTTP call auth needs, injected so that the registry transport (TLS, proxies, per-host
 * limits, retries) makes the request. Response header names are lowercase.
 */
export type HttpFetch = (
  url: string,
  init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>;
