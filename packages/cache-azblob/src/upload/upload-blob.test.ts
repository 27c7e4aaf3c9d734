import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import type { Descriptor } from "@exp/oci-spec";
import { AZURITE_INSTALL_HINT, azuriteAvailable, skipUnless, startAzurite, startFaultProxy, type FaultProxy, type TestAzurite } from "@exp/testing";
import { azblobClients, ensureContainer } from "../azblob-client.js";
import { parseAzblobOptions, azblobKeys } from "../options.js";
import { AttrReader } from "@exp/solver";
import { azuriteAttrs, committedNames, read } from "../azblob-test-support.js";
import { uploadBlob } from "./upload-blob.js";

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("uploadBlob against Azurite", () => {
  let azurite: TestAzurite;
  let proxy: FaultProxy;
  let dir: string;
  let store: ContentStore;
  const blockSize = 1024 * 1024;

  beforeAll(async () => {
    azurite = await startAzurite();
    proxy = await startFaultProxy({ target: `http://${azurite.host}` });
    dir = await mkdtemp(join(tmpdir(), "exp-azblob-upload-"));
    store = await openContentStore(join(dir, "store"));
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await azurite?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function blobOf(size: number): Promise<{ blob: Descriptor; bytes: Buffer }> {
    const bytes = randomBytes(size);
    const { digest } = await store.writeBlob(bytes);
    return { blob: { mediaType: "application/octet-stream", digest, size }, bytes };
  }

  async function upload(blob: Descriptor, name: string, progress: number[] = [], idleTimeoutMs = 10_000) {
    const options = parseAzblobOptions(new AttrReader("test", azuriteAttrs(azurite, { container: "uploads" }, `${proxy.url.replace(/\/$/, "")}/devstoreaccount1`), azblobKeys), {});
    const { container } = await azblobClients(options);
    await ensureContainer(container, new AbortController().signal);
    return uploadBlob({
      client: container.getBlockBlobClient(name),
      blob,
      store,
      signal: new AbortController().signal,
      blockSize,
      blockConcurrency: 3,
      idleTimeoutMs,
      tryTimeoutMs: 10_000,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      onBytes: (n) => progress.push(n),
    });
  }

  it("streams a large blob as blocks and one block list, and stores exactly its bytes; progress ends at its size", async () => {
    const { blob, bytes } = await blobOf(blockSize * 2 + 12_345);
    const progress: number[] = [];
    proxy.reset();
    expect(await upload(blob, "multi", progress)).toBe("uploaded");
    expect((await read(azurite, "uploads", "multi"))?.equals(bytes)).toBe(true);
    expect(proxy.stats.log.filter((e) => e.method === "PUT" && e.path.includes("comp=block&")).length).toBe(3);
    expect(proxy.stats.log.filter((e) => e.method === "PUT" && e.path.includes("comp=blocklist")).length).toBe(1);
    expect(progress.at(-1)).toBe(blob.size);
  });

  it("resends a block cut mid-body, or answered 500/503, with a fresh body", async () => {
    for (const fault of [{ type: "reset-request", afterBytes: 100_000 }, { type: "status", status: 500 }, { type: "status", status: 503 }] as const) {
      const { blob, bytes } = await blobOf(blockSize + 100);
      proxy.setRules([{ match: { method: "PUT", path: /comp=block&/ }, nth: [1], fault }]);
      proxy.reset();
      const progress: number[] = [];
      const name = `retried-${fault.type}-${"status" in fault ? fault.status : ""}`;
      await upload(blob, name, progress);
      expect((await read(azurite, "uploads", name))?.equals(bytes), name).toBe(true);
      expect(proxy.stats.faults, name).toBe(1);
      expect(progress.at(-1)).toBe(blob.size);
    }
    proxy.setRules([]);
  });

  it("gives up a block whose try goes quiet and sends it again", async () => {
    const { blob, bytes } = await blobOf(1000);
    proxy.setRules([{ match: { method: "PUT", path: /comp=block&/ }, nth: [1], fault: { type: "delay", ms: 3_000 } }]);
    proxy.reset();
    const started = Date.now();
    await upload(blob, "stalled", [], 500);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect((await read(azurite, "uploads", "stalled"))?.equals(bytes)).toBe(true);
    proxy.setRules([]);
  });

  it("never commits a blob whose bytes do not match its digest", async () => {
    for (const [size, name] of [[blockSize * 2, "corrupt-multi"], [1000, "corrupt-single"]] as const) {
      const { blob } = await blobOf(size);
      const handle = await open(join(store.root, "blobs", "sha256", blob.digest.slice(7)), "r+");
      await handle.write(Buffer.from("X"), 0, 1, size - 1);
      await handle.close();
      proxy.reset();
      await expect(upload(blob, name)).rejects.toThrow(/digest|sha256/i);
      expect(await committedNames(azurite, "uploads")).not.toContain(name);
      expect(proxy.stats.log.some((e) => e.path.includes("comp=blocklist"))).toBe(false);
    }
  });

  it("a blob committed by someone else first is 'present', not an error (If-None-Match: *)", async () => {
    const { blob } = await blobOf(5000);
    expect(await upload(blob, "twice")).toBe("uploaded");
    expect(await upload(blob, "twice")).toBe("present");
  });
});
