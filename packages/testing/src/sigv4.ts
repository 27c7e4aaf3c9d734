import { createHash, createHmac } from "node:crypto";

/** SHA-256 of an empty payload, hex: the `x-amz-content-sha256` of a request without a body. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export interface SigV4Input {
  method: string;
  /** The canonical URI: the path as it goes on the wire, already percent-encoded (see `encodeS3Path`). */
  path: string;
  /** Query parameters, unencoded. Order does not matter; a key may repeat. `""` for a bare flag (`?uploads`). */
  query?: ReadonlyArray<readonly [string, string]>;
  /** Every header to sign, `host` included. Names are case-insensitive. */
  headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body (or "UNSIGNED-PAYLOAD"). */
  payloadHash: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Default "s3". */
  service?: string;
  /** The signing time: it must match the request's `x-amz-date` header, which the caller sends. */
  date: Date;
}

export interface SigV4Result {
  /** The `Authorization` header value. */
  authorization: string;
  /** `YYYYMMDDTHHMMSSZ`, the `x-amz-date` that was signed (and must be sent). */
  amzDate: string;
  signedHeaders: string;
  signature: string;
  /** The intermediate strings, for tests that compare against a server's error response. */
  canonicalRequest: string;
  stringToSign: string;
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - . _ ~` as %XX (UTF-8, upper-case hex). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `/bucket/some key/é` -> `/bucket/some%20key/%C3%A9`: each segment encoded once, the slashes kept (S3 does not double-encode). */
export function encodeS3Path(path: string): string {
  const absolute = path.startsWith("/") ? path : `/${path}`;
  return absolute.split("/").map(uriEncode).join("/");
}

/** `YYYYMMDDTHHMMSSZ` */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data, "utf8").digest();

/** The canonical query string: each name and value encoded, sorted by name then value, joined with `&`. */
export function canonicalQuery(query: ReadonlyArray<readonly [string, string]> = []): string {
  return query
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/**
 * AWS Signature Version 4 for a header-authenticated request (not a presigned URL). Pure: the caller
 * puts `x-amz-date` (= `amzDate(date)`), `host` and, for S3, `x-amz-content-sha256` in `headers`,
 * and sends exactly those headers with the returned `Authorization`.
 */
export function signV4(input: SigV4Input): SigV4Result {
  const service = input.service ?? "s3";
  const stamp = amzDate(input.date);
  const day = stamp.slice(0, 8);
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(input.headers)) {
    const key = name.toLowerCase();
    const canonical = value.trim().replace(/\s+/g, " ");
    // Repeated headers (only possible here through differently cased names) join with commas.
    headers.set(key, headers.has(key) ? `${headers.get(key)},${canonical}` : canonical);
  }
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path,
    canonicalQuery(input.query),
    ...names.map((n) => `${n}:${headers.get(n)}`),
    "",
    signedHeaders,
    input.payloadHash,
  ].join("\n");
  const scope = `${day}/${input.region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), service), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    amzDate: stamp,
    signedHeaders,
    signature,
    canonicalRequest,
    stringToSign,
  };
}
