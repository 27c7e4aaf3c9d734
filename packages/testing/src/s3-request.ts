import type { OutgoingHttpHeaders } from "node:http";
import { httpRequest, type HttpResponse } from "./http-request.js";
import { amzDate, EMPTY_SHA256, encodeS3Path, sha256Hex, signV4, uriEncode } from "./sigv4.js";

/** Where and as whom to send S3 requests. `TestS3` is one. */
export interface S3Target {
  /** `http://127.0.0.1:PORT` (path-style addressing: the bucket is the first path segment). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export type S3Query = Readonly<Record<string, string | readonly string[]>> | ReadonlyArray<readonly [string, string]>;

export interface S3RequestOptions {
  body?: string | Uint8Array;
  /** Extra headers, all signed (e.g. `x-amz-copy-source`, `x-amz-meta-*`, `content-type`, `range`). */
  headers?: Readonly<Record<string, string>>;
  /** Query parameters, unencoded: `{ "list-type": "2", prefix: "a/" }`, `{ uploads: "" }`. */
  query?: S3Query;
  /** Sign with these instead of the target's (a wrong secret must give 403 SignatureDoesNotMatch). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Send no Authorization header at all. */
  unsigned?: boolean;
  /** The signed `x-amz-content-sha256`. Default: the SHA-256 of `body`. "UNSIGNED-PAYLOAD" works too. */
  payloadHash?: string;
  /** The signing time. Default now. */
  date?: Date;
  /** Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface S3Response extends HttpResponse {
  /** The `<Code>` of an S3 XML error body (`NoSuchKey`, `SignatureDoesNotMatch`...), when there is one. */
  errorCode?: string;
}

const METHODS_WITHOUT_BODY = new Set(["GET", "HEAD", "DELETE", "OPTIONS"]);

function queryPairs(query: S3Query | undefined): Array<readonly [string, string]> {
  if (!query) return [];
  if (Array.isArray(query)) return [...(query as ReadonlyArray<readonly [string, string]>)];
  return Object.entries(query as Readonly<Record<string, string | readonly string[]>>).flatMap(([k, v]) =>
    typeof v === "string" ? [[k, v] as const] : v.map((x) => [k, x] as const),
  );
}

/**
 * One S3 request signed with AWS SigV4 (header auth, path style), body buffered both ways.
 * `path` is `/bucket` or `/bucket/key`, **unencoded**: each segment is percent-encoded here, so a key
 * may contain spaces, `+`, `?` or UTF-8. Query parameters go in `query`, never in `path`.
 */
export async function signedRequest(target: S3Target, method: string, path: string, options: S3RequestOptions = {}): Promise<S3Response> {
  const verb = method.toUpperCase();
  const url = new URL(target.endpoint);
  const wirePath = encodeS3Path(path);
  const pairs = queryPairs(options.query);
  const body = options.body === undefined ? undefined : typeof options.body === "string" ? Buffer.from(options.body) : options.body;
  const payloadHash = options.payloadHash ?? (body && body.length > 0 ? sha256Hex(body) : EMPTY_SHA256);
  const date = options.date ?? new Date();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  headers.host = url.host;
  headers["x-amz-content-sha256"] = payloadHash;
  headers["x-amz-date"] = amzDate(date);
  const signed = signV4({
    method: verb,
    path: wirePath,
    query: pairs,
    headers,
    payloadHash,
    accessKeyId: options.accessKeyId ?? target.accessKeyId,
    secretAccessKey: options.secretAccessKey ?? target.secretAccessKey,
    region: target.region,
    date,
  });
  const sent: OutgoingHttpHeaders = { ...headers };
  if (!options.unsigned) sent.authorization = signed.authorization;
  // Content-Length is sent but not signed (as the AWS SDKs do); an empty PUT still says 0 rather than going chunked.
  if (body !== undefined || !METHODS_WITHOUT_BODY.has(verb)) sent["content-length"] = body?.length ?? 0;
  const search = pairs.length ? `?${pairs.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&")}` : "";
  const res = await httpRequest(new URL(`${wirePath}${search}`, url), {
    method: verb,
    headers: sent,
    ...(body !== undefined ? { body } : {}),
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const out: S3Response = res;
  if (res.status >= 300 && res.body.length > 0) {
    const code = /<Code>([^<]*)<\/Code>/.exec(res.body.toString("utf8"))?.[1];
    if (code !== undefined) out.errorCode = code;
  }
  return out;
}
