// Helpers for this package's own tests (not exported from the package).
import { createHash } from "node:crypto";
import { request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";
import { httpRequest } from "./http-request.js";

export const sha256 = (data: Uint8Array | string): string => `sha256:${createHash("sha256").update(data).digest("hex")}`;

export interface RawOutcome {
  status?: number;
  headers?: IncomingHttpHeaders;
  /** Response-body bytes received (also when the response was cut short). */
  body: Buffer;
  /** Set when the request or the response failed (reset, premature close). */
  error?: NodeJS.ErrnoException;
  /** True when the response body ended normally. */
  complete: boolean;
}

/**
 * A raw node:http request that never throws: faults show up as `error` (with what was received so
 * far), which is exactly what the fault tests look at. `body` may be a list of chunks, written in order.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer | Buffer[]; ca?: string } = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const make = target.protocol === "https:" ? httpsRequest : request;
    const outcome: RawOutcome = { body: Buffer.alloc(0), complete: false };
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (error?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      outcome.body = Buffer.concat(chunks);
      if (error) outcome.error = error;
      resolve(outcome);
    };
    const req = make(target, { method: options.method ?? "GET", headers: options.headers, agent: false, ...(options.ca ? { ca: options.ca } : {}) });
    req.on("error", (error) => settle(error));
    req.on("response", (res) => {
      outcome.status = res.statusCode;
      outcome.headers = res.headers;
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (error) => settle(error));
      res.on("aborted", () => settle(Object.assign(new Error("response aborted"), { code: "ECONNRESET" })));
      res.on("end", () => {
        outcome.complete = res.complete;
        if (res.complete) settle();
        else settle(Object.assign(new Error("response ended early"), { code: "ECONNRESET" }));
      });
    });
    const body = options.body;
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** POST, then a monolithic PUT `?digest=` (the flow the registry supports), as a registry client would. */
export async function uploadBlob(
  baseUrl: string,
  repo: string,
  data: Buffer,
  options: { headers?: OutgoingHttpHeaders; ca?: string } = {},
): Promise<{ digest: string; uploadLocation: string; putStatus: number; location: string | undefined }> {
  const digest = sha256(data);
  const start = await httpRequest(`${baseUrl}/v2/${repo}/blobs/uploads/`, { method: "POST", headers: { ...options.headers, "content-length": 0 }, ca: options.ca });
  if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${start.body.toString()}`);
  const uploadLocation = String(start.headers.location);
  const putUrl = new URL(uploadLocation, baseUrl);
  putUrl.searchParams.set("digest", digest);
  const put = await httpRequest(putUrl, {
    method: "PUT",
    headers: { ...options.headers, "content-type": "application/octet-stream" },
    body: data,
    ca: options.ca,
  });
  return { digest, uploadLocation, putStatus: put.status, location: put.headers.location };
}

/** Pushes a minimal OCI image (a config and one layer blob) as `repo:tag`, so real clients have something to list. */
export async function pushTinyImage(baseUrl: string, repo: string, tag: string, options: { headers?: OutgoingHttpHeaders; ca?: string } = {}): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }));
  const layer = Buffer.from(`layer of ${repo}:${tag}`);
  for (const blob of [config, layer]) {
    const { putStatus } = await uploadBlob(baseUrl, repo, blob, options);
    if (putStatus !== 201) throw new Error(`blob upload: ${putStatus}`);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: sha256(layer), size: layer.length }],
    }),
  );
  const res = await httpRequest(`${baseUrl}/v2/${repo}/manifests/${tag}`, {
    method: "PUT",
    headers: { ...options.headers, "content-type": "application/vnd.oci.image.manifest.v1+json" },
    body: manifest,
    ca: options.ca,
  });
  if (res.status !== 201) throw new Error(`manifest PUT: ${res.status} ${res.body.toString()}`);
  return sha256(manifest);
}
