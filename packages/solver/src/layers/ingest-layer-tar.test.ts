import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { ingestLayerTar } from "./ingest-layer-tar.js";
import { compressionLabel, uncompressedLabel } from "./layer-blob.js";
import { LayerBlobs } from "./layer-blobs.js";
import { storedLayer } from "./stored-layer.js";
import { tarballLayer } from "./tarball-layer.js";

let dir: string;
let store: ContentStore;
let lease: string;
let content: Buffer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-ingest-layer-"));
  store = await openContentStore(join(dir, "store"));
  lease = (await store.leases.create()).id;
  // Several MiB of compressible text, so the parallel gzip path runs with more than one block.
  content = Buffer.from(Array.from({ length: 60_000 }, () => randomBytes(4).toString("hex")).join(" ").repeat(6));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (bytes: Buffer) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
const chunks = (bytes: Buffer) => Readable.from(Array.from({ length: Math.ceil(bytes.length / 100_000) }, (_, i) => bytes.subarray(i * 100_000, (i + 1) * 100_000)));

describe("ingestLayerTar", () => {
  it("stores the tar and, from the same bytes, the gzip blob the export would make, which LayerBlobs then finds instead of compressing", async () => {
    const progress: Array<[string, number, number | undefined]> = [];
    const { diffID, size } = await ingestLayerTar(store, chunks(content), {
      lease,
      compressions: [{ type: "gzip" }, { type: "gzip", force: true }, { type: "uncompressed" }],
      onCompressing: (type, current, total) => progress.push([type, current, total]),
    });
    // Reported as the bytes go in, and last with the total, so the bar ends full.
    expect(progress[0]).toEqual(["gzip", 0, undefined]);
    expect(progress.at(-1)).toEqual(["gzip", content.length, content.length]);
    expect(progress.length).toBeGreaterThan(3);
    expect(diffID).toBe(sha(content));
    expect(size).toBe(content.length);
    const made = await store.findByLabel(uncompressedLabel, diffID);
    expect(made.map((blob) => blob.labels[compressionLabel])).toEqual(["gzip"]);
    expect(gunzipSync(await store.readAll(made[0]!.digest, { maxBytes: 64 * 2 ** 20 })).equals(content)).toBe(true);

    // The same blob, byte for byte, as LayerBlobs makes from the stored tar in another store.
    await writeFile(join(dir, "layer.tar"), content);
    const elsewhere = new LayerBlobs(await openContentStore(join(dir, "other")));
    const compressedAtExport = await elsewhere.get(await tarballLayer(join(dir, "layer.tar")), { type: "gzip" });
    expect(compressedAtExport.descriptor.digest).toBe(made[0]!.digest);

    const blobs = new LayerBlobs(store);
    const found = await blobs.get(storedLayer(store, { diffID, size, createdAt: new Date(0), description: "test" }), { type: "gzip" });
    expect(found.descriptor.digest).toBe(made[0]!.digest);
    expect(blobs.stats).toEqual({ created: 0, reused: 1 });
  });

  it("without compressions stores the tar alone", async () => {
    const { diffID } = await ingestLayerTar(store, chunks(content), { lease });
    expect(await store.findByLabel(uncompressedLabel, diffID)).toEqual([]);
    expect(await store.exists(diffID)).toBe(true);
  });

  it("a compression that fails is dropped and reported; the tar is stored all the same", async () => {
    const failures: string[] = [];
    const path = process.env.PATH;
    process.env.PATH = join(dir, "no-tools");
    try {
      const { diffID } = await ingestLayerTar(store, chunks(content), {
        lease,
        compressions: [{ type: "zstd" }, { type: "gzip" }],
        onCompressionFailed: (request, error) => failures.push(`${request.type}: ${(error as { code?: string }).code}`),
      });
      expect(failures).toEqual(["zstd: ERR_COMPRESSOR_UNAVAILABLE"]);
      expect(await store.exists(diffID)).toBe(true);
      expect((await store.findByLabel(uncompressedLabel, diffID)).map((blob) => blob.labels[compressionLabel])).toEqual(["gzip"]);
    } finally {
      process.env.PATH = path;
    }
  });

  it("a tar that fails leaves neither the tar nor a compressed blob", async () => {
    async function* failing() {
      yield content.subarray(0, 3_000_000);
      throw Object.assign(new Error("file changed"), { code: "ERR_FILE_CHANGED" });
    }
    const failures: string[] = [];
    await expect(
      ingestLayerTar(store, Readable.from(failing()), { lease, compressions: [{ type: "gzip" }], onCompressionFailed: (request) => failures.push(request.type) }),
    ).rejects.toMatchObject({ code: "ERR_FILE_CHANGED" });
    // The layer's own error is the news; its compression ending with it is not a second failure.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failures).toEqual([]);
    const left = [];
    for await (const blob of store.list()) left.push(blob);
    expect(left).toEqual([]);
  });
});
