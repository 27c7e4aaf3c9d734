import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProgressReporter, type ImportedCache } from "@exp/solver";
import type { Digest } from "@exp/oci-spec";
import { S3_MAX_ATTEMPTS, S3_SOCKET_TIMEOUT_MS, s3Client } from "./s3-client.js";
import type { S3CacheOptions } from "./options.js";
import { cacheImporter } from "./s3-cache-importer.js";

/**
 * A stand-in for S3 that breaks the first answer to each GET after its headers (the SDK's
 * retries are over by then), serves Range requests with 206, and answers HEAD /b/flaky with 503
 * until the last try (S3_MAX_ATTEMPTS). Issue 8's flaky-destination test found both: a reset mid-body failed the
 * import, and 3 tries gave up on one request in a thousand at a 10% failure rate.
 */
function fakeS3(objects: Record<string, Buffer>) {
  const seen: Array<{ method: string; url: string; range?: string }> = [];
  const cut = new Set<string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    seen.push({ method: req.method ?? "", url, ...(req.headers.range ? { range: req.headers.range } : {}) });
    req.resume();
    if (req.method === "HEAD" && url === "/b/flaky") {
      const tries = seen.filter((s) => s.url === url).length;
      return void res.writeHead(tries < S3_MAX_ATTEMPTS ? 503 : 200, { "content-length": 0 }).end();
    }
    const object = objects[url];
    if (!object) return void res.writeHead(404, { "content-length": 0 }).end();
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? "")?.[1] ?? 0);
    const part = object.subarray(start);
    res.writeHead(start > 0 ? 206 : 200, { "content-length": part.length, ...(start > 0 ? { "content-range": `bytes ${start}-${object.length - 1}/${object.length}` } : {}) });
    if (cut.has(url)) return void res.end(part);
    cut.add(url);
    // Half the body, then the connection drops.
    res.write(part.subarray(0, part.length >> 1), () => res.socket?.destroy());
  });
  return { server, seen };
}

describe("S3 reads that break after the headers, and the retry budget", () => {
  const blob = randomBytes(256 * 1024);
  const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}` as Digest;
  const config = Buffer.from(JSON.stringify({ layers: [], records: [] }));
  const fake = fakeS3({ "/b/manifests/buildkit": config, [`/b/blobs/${digest}`]: blob });
  let endpoint = "";

  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => fake.server.close(() => resolve())));

  const attrs = () => ({ bucket: "b", region: "us-east-1", endpoint_url: endpoint, use_path_style: "true", access_key_id: "k", secret_access_key: "s" });

  it("re-reads a cut cache manifest, and resumes a cut blob with a Range request", async () => {
    const signal = new AbortController().signal;
    const cache = (await cacheImporter.resolve(attrs()).load({ store: undefined as never, progress: ProgressReporter.root(undefined), signal })) as ImportedCache;
    expect(cache).toBeDefined();
    expect(fake.seen.filter((s) => s.url === "/b/manifests/buildkit")).toHaveLength(2);
    const chunks: Buffer[] = [];
    for await (const chunk of await cache.fetch({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest, size: blob.length }, { signal })) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(blob)).toBe(true);
    const gets = fake.seen.filter((s) => s.url === `/b/blobs/${digest}`);
    expect(gets.map((g) => g.range)).toEqual([undefined, `bytes=${blob.length >> 1}-`]);
  });

  it(`tries a failing request ${S3_MAX_ATTEMPTS} times before giving up`, async () => {
    const { client, sdk } = await s3Client(clientOptions(endpoint));
    try {
      await client.send(new sdk.HeadObjectCommand({ Bucket: "b", Key: "flaky" }));
      expect(fake.seen.filter((s) => s.url === "/b/flaky")).toHaveLength(S3_MAX_ATTEMPTS);
    } finally {
      client.destroy();
    }
  });
});

function clientOptions(endpoint: string): S3CacheOptions {
  return { bucket: "b", region: "us-east-1", prefix: "", blobsPrefix: "", manifestsPrefix: "", names: [], endpoint, pathStyle: true, credentials: { accessKeyId: "k", secretAccessKey: "s" }, touchRefreshMs: 0, uploadParallelism: 1, mode: "min", ignoreError: false };
}

describe("an S3 endpoint that accepts connections and never answers", () => {
  it("fails each try after the socket timeout instead of waiting forever", async () => {
    const sockets: Socket[] = [];
    const server = createTcpServer((socket) => void sockets.push(socket.resume()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { client, sdk } = await s3Client(clientOptions(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), { maxAttempts: 2, socketTimeoutMs: 300 });
    try {
      const started = Date.now();
      const failure = await client.send(new sdk.HeadObjectCommand({ Bucket: "b", Key: "k" })).catch((error: unknown) => error);
      expect(failure).toMatchObject({ name: "TimeoutError" });
      // Two tries of 300 ms and a backoff; without a timeout this waited for ever.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(sockets.length).toBe(2);
    } finally {
      client.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // The default is a minute of silence, as the registry client's headers and body timeouts.
    expect(S3_SOCKET_TIMEOUT_MS).toBe(60_000);
  });
});
