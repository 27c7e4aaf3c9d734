import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import type { Descriptor } from "@exp/oci-spec";
import { SWIFT_TOOLS, skipUnlessTools, startFaultProxy, startS3, type FaultProxy, type TestS3 } from "@exp/testing";
import { s3Client } from "../s3-client.js";
import { uploadBlob } from "./upload-blob.js";

describe.skipIf(skipUnlessTools(...SWIFT_TOOLS))("uploadBlob against Swift's s3api", () => {
  let s3: TestS3;
  let proxy: FaultProxy;
  let dir: string;
  let store: ContentStore;
  const partSize = 5 * 1024 * 1024; // S3's smallest part

  beforeAll(async () => {
    s3 = await startS3({ bucket: "uploads" });
    proxy = await startFaultProxy({ target: s3.endpoint, preserveHost: true });
    dir = await mkdtemp(join(tmpdir(), "exp-upload-blob-"));
    store = await openContentStore(join(dir, "store"));
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function blobOf(size: number): Promise<{ blob: Descriptor; bytes: Buffer }> {
    const bytes = randomBytes(size);
    const { digest } = await store.writeBlob(bytes);
    return { blob: { mediaType: "application/octet-stream", digest, size }, bytes };
  }

  async function upload(blob: Descriptor, key: string, progress: number[] = []) {
    const options = { bucket: "uploads", region: s3.region, prefix: "", blobsPrefix: "", manifestsPrefix: "", names: [], endpoint: proxy.url, pathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, touchRefreshMs: 0, uploadParallelism: 1, mode: "min" as const, ignoreError: false };
    const { client, sdk } = await s3Client(options, { maxAttempts: 1 });
    try {
      await uploadBlob({ client, sdk, bucket: "uploads", key, blob, store, signal: new AbortController().signal, partSize, partConcurrency: 3, onBytes: (n) => progress.push(n), retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 } });
    } finally {
      client.destroy();
    }
  }

  async function stored(key: string): Promise<Buffer | undefined> {
    const answer = await s3.request("GET", `/uploads/${key}`);
    return answer.status === 200 ? answer.body : undefined;
  }

  it("streams a large blob as parts and stores exactly its bytes; progress ends at its size", async () => {
    const { blob, bytes } = await blobOf(partSize * 2 + 12_345);
    const progress: number[] = [];
    proxy.reset();
    await upload(blob, "multi", progress);
    expect((await stored("multi"))?.equals(bytes)).toBe(true);
    expect(proxy.stats.log.filter((e) => e.method === "PUT" && e.path.includes("partNumber=")).length).toBe(3);
    expect(progress.at(-1)).toBe(blob.size);
    // Streamed bodies are signed as UNSIGNED-PAYLOAD: the SDK does not read and hash each part.
    expect(proxy.stats.log.filter((e) => e.method === "PUT").every((e) => e.headers["x-amz-content-sha256"] === "UNSIGNED-PAYLOAD")).toBe(true);
  });

  it("resends a part that failed with a fresh body, and a small blob's single PUT the same way", async () => {
    const { blob, bytes } = await blobOf(partSize + 100);
    proxy.setRules([{ match: { method: "PUT", path: /partNumber=2/ }, nth: [1], fault: { type: "reset-request", afterBytes: 1000 } }]);
    proxy.reset();
    const progress: number[] = [];
    await upload(blob, "retried", progress);
    expect((await stored("retried"))?.equals(bytes)).toBe(true);
    expect(proxy.stats.faults).toBe(1);
    expect(progress.at(-1)).toBe(blob.size);
    const small = await blobOf(1000);
    proxy.setRules([{ match: { method: "PUT" }, nth: [1], fault: { type: "status", status: 503 } }]);
    proxy.reset();
    await upload(small.blob, "small");
    expect((await stored("small"))?.equals(small.bytes)).toBe(true);
    expect(proxy.stats.faults).toBe(1);
    proxy.setRules([]);
  });

  it("never stores a blob whose bytes do not match its digest: the multipart upload is aborted", async () => {
    for (const [size, key] of [[partSize * 2, "corrupt-multi"], [1000, "corrupt-single"]] as const) {
      const { blob } = await blobOf(size);
      const handle = await open(join(store.root, "blobs", "sha256", blob.digest.slice(7)), "r+");
      await handle.write(Buffer.from("X"), 0, 1, size - 1);
      await handle.close();
      proxy.reset();
      await expect(upload(blob, key)).rejects.toThrow(/digest|sha256/i);
      expect(await stored(key)).toBeUndefined();
      if (size > partSize) expect(proxy.stats.log.some((e) => e.method === "DELETE" && e.path.includes("uploadId="))).toBe(true);
    }
  });
});
