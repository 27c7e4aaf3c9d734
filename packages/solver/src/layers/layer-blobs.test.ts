import { createHash, randomBytes } from "node:crypto";
import { writeFile, mkdtemp, rm, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { DigestMismatchError, digestOf, type Digest } from "@exp/oci-spec";
import { LayerBlobs } from "./layer-blobs.js";
import { tarballLayer } from "./tarball-layer.js";
import type { Layer } from "./layer.js";
import { ProgressReporter } from "../progress/reporter.js";
import type { ProgressEvent } from "../progress/events.js";

let dir: string;
let store: ContentStore;
let layer: Layer;
let content: Buffer;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-blobs-"));
  store = await openContentStore(join(dir, "store"));
  // Compressible but not trivial: random words repeated.
  content = Buffer.from(Array.from({ length: 4000 }, () => randomBytes(4).toString("hex")).join(" ").repeat(5));
  await writeFile(join(dir, "layer.tar"), content);
  layer = await tarballLayer(join(dir, "layer.tar"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("tarballLayer", () => {
  it("computes the diffID from the file", () => {
    expect(layer.diffID).toBe(sha(content));
    expect(layer.size).toBe(content.length);
  });

  it("fails the read when the file no longer matches its diffID", async () => {
    await appendFile(join(dir, "layer.tar"), "tampered");
    const blobs = new LayerBlobs(store);
    await expect(blobs.get(layer, { type: "gzip" })).rejects.toBeInstanceOf(DigestMismatchError);
    // Nothing was committed for the bad layer.
    expect(await store.findByLabel("containerd.io/uncompressed", layer.diffID)).toEqual([]);
  });
});

describe("LayerBlobs", () => {
  it("compresses a layer once even when many callers ask at the same time", async () => {
    const blobs = new LayerBlobs(store);
    const results = await Promise.all(Array.from({ length: 5 }, () => blobs.get(layer, { type: "gzip" })));
    expect(new Set(results.map((r) => r.descriptor.digest)).size).toBe(1);
    expect(blobs.stats).toEqual({ created: 1, reused: 4 });
    const blob = await store.readAll(results[0]!.descriptor.digest, { maxBytes: 10 * 1024 * 1024 });
    expect(gunzipSync(blob).equals(content)).toBe(true);
    expect(results[0]!.descriptor).toMatchObject({
      mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
      size: blob.length,
      annotations: { "containerd.io/uncompressed": layer.diffID },
    });
  });

  it("reports compression progress over the layer's tar, from 0 to its whole size", async () => {
    const events: ProgressEvent[] = [];
    const blobs = new LayerBlobs(store);
    await blobs.get(layer, { type: "gzip" }, { progress: ProgressReporter.root((e) => events.push(e)).child("export-0", "exporting") });
    const bytes = events.flatMap((e) => (e.type === "bytes" ? [e] : []));
    expect(bytes.every((e) => e.action === "compressing" && e.id === layer.diffID && e.total === content.length)).toBe(true);
    expect(bytes[0]!.current).toBe(0);
    expect(bytes.at(-1)!.current).toBe(content.length);
  });

  it("finds a blob made by an earlier build through its uncompressed label", async () => {
    const first = await new LayerBlobs(store).get(layer, { type: "gzip" });
    const second = new LayerBlobs(store);
    expect((await second.get(layer, { type: "gzip" })).descriptor.digest).toBe(first.descriptor.digest);
    expect(second.stats).toEqual({ created: 0, reused: 1 });
  });

  it("makes each compression once; uncompressed is the tar itself", async () => {
    const blobs = new LayerBlobs(store);
    const gzip = await blobs.get(layer, { type: "gzip" });
    const raw = await blobs.get(layer, { type: "uncompressed" });
    expect(raw.descriptor.digest).toBe(layer.diffID);
    expect(raw.descriptor.mediaType).toBe("application/vnd.oci.image.layer.v1.tar");
    expect(gzip.descriptor.digest).not.toBe(raw.descriptor.digest);
    expect(blobs.stats.created).toBe(2);
  });

  it("zstd streams through the zstd command and round-trips", async () => {
    const blobs = new LayerBlobs(store);
    const zstd = await blobs.get(layer, { type: "zstd", level: 3 });
    expect(zstd.descriptor.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
    const path = join(dir, "blob.zst");
    await writeFile(path, await store.readAll(zstd.descriptor.digest, { maxBytes: 10 * 1024 * 1024 }));
    expect(execFileSync("zstd", ["-dc", path], { maxBuffer: 64 * 1024 * 1024 }).equals(content)).toBe(true);
    // On every core (-T0), the same bytes as one worker and as two: deterministic on any machine.
    for (const workers of ["-T1", "-T2"]) expect(digestOf(execFileSync("zstd", ["-q", "-c", workers, "-3"], { input: content, maxBuffer: 64 * 1024 * 1024 }))).toBe(zstd.descriptor.digest);
  });

  it("keeps a base layer's blob of another compression unless forced, as BuildKit does", async () => {
    const earlier = await new LayerBlobs(store).get(layer, { type: "gzip" });
    const base: Layer = { ...layer, knownBlobs: [earlier.descriptor] };
    const blobs = new LayerBlobs(store);
    expect((await blobs.get(base, { type: "zstd" })).descriptor.digest).toBe(earlier.descriptor.digest);
    // A layer that did not come with that blob gets the compression it asks for.
    expect((await blobs.get(layer, { type: "zstd" })).compression).toBe("zstd");
    const forced = await blobs.get(base, { type: "zstd", force: true });
    expect(forced.compression).toBe("zstd");
    expect(forced.descriptor.digest).not.toBe(earlier.descriptor.digest);
  });

  it("a blob made for one exporter, or the layer's own tar, does not stand in for another compression", async () => {
    const blobs = new LayerBlobs(store);
    await blobs.get(layer, { type: "gzip" });
    expect((await blobs.get(layer, { type: "uncompressed" })).compression).toBe("uncompressed");
  });

  it("force-compression with a level makes one blob per level", async () => {
    const blobs = new LayerBlobs(store);
    const fast = await blobs.get(layer, { type: "gzip", level: 1, force: true });
    const best = await blobs.get(layer, { type: "gzip", level: 9, force: true });
    const again = await blobs.get(layer, { type: "gzip", level: 9, force: true });
    expect(fast.descriptor.digest).not.toBe(best.descriptor.digest);
    expect(again.descriptor.digest).toBe(best.descriptor.digest);
    expect(blobs.stats.created).toBe(2);
  });

  it("existing() never compresses and returns what is there", async () => {
    const blobs = new LayerBlobs(store);
    expect(await blobs.existing(layer)).toBeUndefined();
    const made = await blobs.get(layer, { type: "gzip" });
    expect((await blobs.existing(layer))?.descriptor.digest).toBe(made.descriptor.digest);
    expect(blobs.stats.created).toBe(1);
  });

  it("existing() reports a base layer's known remote blob without fetching it", async () => {
    const remote = { mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", digest: sha(Buffer.from("remote")) as Digest, size: 6 };
    const based: Layer = { ...layer, knownBlobs: [remote] };
    const found = await new LayerBlobs(store).existing(based);
    expect(found).toMatchObject({ local: false, compression: "zstd", descriptor: remote });
  });

  it("adds the blob to the caller's lease so a GC keeps it", async () => {
    const lease = await store.leases.create();
    const blobs = new LayerBlobs(store);
    const made = await blobs.get(layer, { type: "gzip" }, { lease: lease.id });
    const other = await store.leases.create();
    await blobs.get(layer, { type: "gzip" }, { lease: other.id });
    await store.leases.release(lease.id);
    expect((await store.gc()).deleted).toEqual([]);
    await store.leases.release(other.id);
    expect((await store.gc()).deleted).toEqual([made.descriptor.digest]);
  });

  it("rejects bad compression requests with the valid range", async () => {
    const blobs = new LayerBlobs(store);
    await expect(blobs.get(layer, { type: "gzip", level: 12 })).rejects.toThrow(/"compression-level".*from 0 to 9/);
    await expect(blobs.get(layer, { type: "lz4" as "gzip" })).rejects.toThrow(/one of gzip, zstd, uncompressed/);
  });
});
