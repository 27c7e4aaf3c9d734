import { readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { bytes, chunked, sha256, tempRoots, until } from "./__fixtures__/helpers.js";
import { locksFor } from "./lock.js";
import {
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_OCI_MANIFEST,
} from "./media-types.js";
import { openContentStore } from "./store.js";
import type { ContentStore } from "./types.js";

const roots = tempRoots();
afterEach(roots.cleanup);

async function open() {
  const root = await roots.make();
  return { root, store: await openContentStore(root) };
}

const LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const CONFIG = "application/vnd.oci.image.config.v1+json";

async function put(store: ContentStore, data: string | Buffer, mediaType: string, options: { lease?: string; label?: boolean } = {}): Promise<Descriptor> {
  const result = await store.writeBlob(data, { ...(options.label ? { mediaType } : {}), ...(options.lease ? { lease: options.lease } : {}) });
  return { mediaType, digest: result.digest, size: result.size };
}

/** index -> manifest -> config + 2 layers, all unreferenced and unlabelled (the referrer's descriptor carries the type). */
async function image(store: ContentStore, seed: number, manifestType = MEDIA_TYPE_OCI_MANIFEST, indexType = MEDIA_TYPE_OCI_INDEX) {
  const layers = [await put(store, bytes(1000, seed), LAYER), await put(store, bytes(2000, seed + 100), LAYER)];
  const config = await put(store, JSON.stringify({ seed }), CONFIG);
  const manifest = await put(store, JSON.stringify({ schemaVersion: 2, mediaType: manifestType, config, layers }), manifestType);
  const index = await put(store, JSON.stringify({ schemaVersion: 2, mediaType: indexType, manifests: [manifest] }), indexType);
  return { layers, config, manifest, index, all: [...layers, config, manifest, index].map((d) => d.digest) };
}

async function present(store: ContentStore, digests: Digest[]): Promise<boolean[]> {
  return Promise.all(digests.map((d) => store.exists(d)));
}

describe("gc", () => {
  it("deletes exactly the unreferenced blobs, keeping a leased index's manifests, configs and layers", async () => {
    const { store } = await open();
    const kept = await image(store, 1);
    const dropped = await image(store, 2);
    const lease = await store.leases.create();
    await store.leases.addResource(lease.id, { digest: kept.index.digest, mediaType: MEDIA_TYPE_OCI_INDEX });

    const result = await store.gc();
    expect(result.deleted).toEqual([...dropped.all].sort());
    expect(result.reclaimedBytes).toBe([...dropped.layers, dropped.config, dropped.manifest, dropped.index].reduce((n, d) => n + d.size, 0));
    expect(await present(store, kept.all)).toEqual(kept.all.map(() => true));
    expect(await present(store, dropped.all)).toEqual(dropped.all.map(() => false));
    expect((await store.gc()).deleted).toEqual([]);
  });

  it("follows Docker manifest lists and manifests", async () => {
    const { store } = await open();
    const img = await image(store, 3, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST);
    await store.roots.set("image/docker.io/library/foo:latest", img.index);
    expect((await store.gc()).deleted).toEqual([]);
    expect(await present(store, img.all)).toEqual(img.all.map(() => true));
  });

  it("uses the exp.io/media-type label when the lease resource has no media type", async () => {
    const { store } = await open();
    const lease = await store.leases.create();
    const layer = await put(store, bytes(500, 8), LAYER);
    const config = await put(store, "{}", CONFIG);
    const manifest = await store.ingest(chunked(Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers: [layer] })), 16), {
      lease: lease.id,
      mediaType: MEDIA_TYPE_OCI_MANIFEST,
    });
    await store.leases.addResource(lease.id, manifest.digest); // a plain add must not forget the media type
    await store.setLabels(manifest.digest, {}); // no-op
    expect((await store.gc()).deleted).toEqual([]);

    // Without any media type the manifest is a leaf: its children go.
    await store.setLabels(manifest.digest, { "exp.io/media-type": null });
    await store.leases.removeResource(lease.id, manifest.digest);
    await store.leases.addResource(lease.id, manifest.digest);
    expect((await store.gc()).deleted).toEqual([layer.digest, config.digest].sort());
  });

  it("keeps history results and roots until they are deleted", async () => {
    const { store } = await open();
    const fromHistory = await image(store, 4);
    const fromRoot = await image(store, 5);
    await store.history.put({ id: "b1", createdAt: new Date(), results: [fromHistory.manifest] });
    await store.roots.set("image/example:1", fromRoot.index);
    expect((await store.gc()).deleted).toEqual([fromHistory.index.digest]); // the history result is the manifest, not the index

    await store.roots.delete("image/example:1");
    expect((await store.gc()).deleted).toEqual([...fromRoot.all].sort());
    await store.history.delete("b1");
    expect((await store.gc()).deleted.sort()).toEqual(fromHistory.all.filter((d) => d !== fromHistory.index.digest).sort());
  });

  it("follows containerd.io/gc.ref.content labels of held blobs only", async () => {
    const { store } = await open();
    const pinnedA = await put(store, "layer a", LAYER);
    const pinnedB = await put(store, "layer b", LAYER);
    const cacheConfig = await store.writeBlob("cache config", {
      labels: { "containerd.io/gc.ref.content.l.0": pinnedA.digest, "containerd.io/gc.ref.content.m.foo": pinnedB.digest, "containerd.io/gc.ref.content.bad": "nope" },
    });
    const orphanPinned = await put(store, "layer c", LAYER);
    const orphanHolder = await store.writeBlob("unheld", { labels: { "containerd.io/gc.ref.content.x": orphanPinned.digest } });
    await store.roots.set("cache/foo", { mediaType: "application/vnd.example.cache.config.v1+json", digest: cacheConfig.digest, size: cacheConfig.size });

    expect((await store.gc()).deleted).toEqual([orphanPinned.digest, orphanHolder.digest].sort());
    expect(await present(store, [pinnedA.digest, pinnedB.digest, cacheConfig.digest])).toEqual([true, true, true]);
  });

  it("skips missing children and treats corrupt manifests as leaves", async () => {
    const { store } = await open();
    const missingLayer: Descriptor = { mediaType: LAYER, digest: sha256("never stored"), size: 12 };
    const config = await put(store, "{}", CONFIG);
    const manifest = await put(store, JSON.stringify({ config, layers: [missingLayer, { digest: "garbage" }] }), MEDIA_TYPE_OCI_MANIFEST);
    const notJson = await put(store, "not json", MEDIA_TYPE_OCI_INDEX);
    await store.roots.set("a", manifest);
    await store.roots.set("b", notJson);
    await store.roots.set("c", { mediaType: MEDIA_TYPE_OCI_INDEX, digest: sha256("missing index"), size: 1 });
    expect((await store.gc()).deleted).toEqual([]);
  });

  it("deletes expired leases and what only they held", async () => {
    const { root, store } = await open();
    const live = await store.leases.create({ id: "live", expiresAt: new Date(Date.now() + 3_600_000) });
    const lapsing = await store.leases.create({ id: "lapsing", expiresAt: new Date(Date.now() + 3_600_000) });
    const a = await store.writeBlob("held by live", { lease: live.id });
    const b = await store.writeBlob("held by lapsing", { lease: lapsing.id });
    expect((await store.gc()).deleted).toEqual([]);

    // Let the hour pass: rewrite the lease's expiry on disk rather than wait.
    const leaseFile = join(root, "meta", "leases", "lapsing", "lease.json");
    const record = JSON.parse(await readFile(leaseFile, "utf8")) as Record<string, unknown>;
    await writeFile(leaseFile, JSON.stringify({ ...record, expiresAt: new Date(Date.now() - 1000).toISOString() }));

    const usage = await store.du();
    expect([usage.reclaimableBlobs, usage.reclaimableBytes]).toEqual([1, b.size]);
    const result = await store.gc();
    expect(result.expiredLeases).toEqual(["lapsing"]);
    expect(result.deleted).toEqual([b.digest]);
    expect(await store.exists(a.digest)).toBe(true);
    expect((await store.leases.list()).map((l) => l.id)).toEqual(["live"]);
    expect(await readdir(join(root, "meta", "leases"))).toEqual(["live"]);
  });

  it("du reports exactly what gc then deletes", async () => {
    const { store } = await open();
    const kept = await image(store, 6);
    await image(store, 7);
    await store.roots.set("keep", kept.index);
    const usage = await store.du();
    expect(usage.blobs).toBe(10);
    const result = await store.gc();
    expect(usage.reclaimableBlobs).toBe(result.deleted.length);
    expect(usage.reclaimableBytes).toBe(result.reclaimedBytes);
    const after = await store.du();
    expect(after).toEqual({ blobs: 5, bytes: usage.bytes - result.reclaimedBytes, reclaimableBlobs: 0, reclaimableBytes: 0, ingestBytes: 0 });
  });

  it("honours an aborted signal before deleting anything", async () => {
    const { store } = await open();
    const { digest } = await store.writeBlob("unreferenced");
    await expect(store.gc({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
    expect(await store.exists(digest)).toBe(true);
  });
});

describe("gc and concurrent ingest", () => {
  it("an ingest commit waits for a running gc, and the blob is never visible unheld", async () => {
    const { root, store } = await open();
    const lock = locksFor(await realpath(root)).gc;
    const lease = await store.leases.create();
    const data = bytes(10_000, 77);

    const releaseGc = await lock.exclusive(); // stands in for a gc mid-mark
    const pending = store.ingest(chunked(data, 1000), { lease: lease.id });
    await until(() => lock.state.waiting === 1); // streamed everything; now waiting to commit
    expect(await store.exists(sha256(data))).toBe(false);
    expect(await store.leases.resources(lease.id)).toEqual([]);
    releaseGc();
    const { digest } = await pending;
    expect((await store.gc()).deleted).toEqual([]);
    expect(await store.exists(digest)).toBe(true);
  });

  it("gc waits for an ingest commit in progress", async () => {
    const { root, store } = await open();
    const lock = locksFor(await realpath(root)).gc;
    const { digest } = await store.writeBlob("unreferenced");
    const releaseCommit = await lock.shared(); // stands in for a commit between addResource and link
    let gcDone = false;
    const gc = store.gc().then((r) => ((gcDone = true), r));
    await until(() => lock.state.waiting === 1);
    expect(gcDone).toBe(false);
    expect(await store.exists(digest)).toBe(true);
    releaseCommit();
    expect((await gc).deleted).toEqual([digest]);
  });

  it("never deletes blobs ingested under a lease while gc runs in a loop", async () => {
    const { store } = await open();
    const lease = await store.leases.create();
    let stop = false;
    let gcRuns = 0;
    const loop = (async () => {
      while (!stop) {
        await store.gc();
        gcRuns++;
      }
    })();
    const inputs = Array.from({ length: 24 }, (_, i) => bytes(20_000 + i, 1000 + i));
    const results = await Promise.all(inputs.map((data, i) => store.ingest(chunked(data, 3000 + i * 10), { lease: lease.id })));
    stop = true;
    await loop;
    expect(gcRuns).toBeGreaterThan(0);
    for (const [i, result] of results.entries()) expect(await store.readAll(result.digest)).toEqual(inputs[i]);
    expect((await store.leases.resources(lease.id)).sort()).toEqual(results.map((r) => r.digest).sort());
  });
});
