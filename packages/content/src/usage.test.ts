import { utimes } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { Descriptor } from "@exp/oci-spec";
import { bytes, tempRoots } from "./__fixtures__/helpers.js";
import { Layout } from "./layout.js";
import { MEDIA_TYPE_OCI_MANIFEST } from "./media-types.js";
import { openContentStore } from "./store.js";
import type { ContentStore } from "./types.js";
import { attributeUsage } from "./usage-attribution.js";
import type { Holder } from "./usage.js";

const roots = tempRoots();
afterEach(roots.cleanup);

const LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
const CONFIG = "application/vnd.oci.image.config.v1+json";

async function put(store: ContentStore, data: string | Buffer, mediaType: string): Promise<Descriptor> {
  const result = await store.writeBlob(data);
  return { mediaType, digest: result.digest, size: result.size };
}

/** A manifest over `layers` and a config of its own. */
async function manifest(store: ContentStore, seed: number, layers: Descriptor[]): Promise<{ manifest: Descriptor; config: Descriptor }> {
  const config = await put(store, JSON.stringify({ seed }), CONFIG);
  return { config, manifest: await put(store, JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config, layers }), MEDIA_TYPE_OCI_MANIFEST) };
}

const groupOf = (holder: Holder) => (holder.kind === "root" ? holder.name : holder.kind);

describe("usage", () => {
  it("says which holder reaches which blob, and attributes shared and unique bytes per group", async () => {
    const store = await openContentStore(await roots.make());
    const shared = await put(store, bytes(1000, 1), LAYER);
    const onlyA = await put(store, bytes(300, 2), LAYER);
    const a = await manifest(store, 1, [shared, onlyA]);
    const b = await manifest(store, 2, [shared]);
    const leased = await put(store, bytes(50, 3), LAYER);
    const junk = await put(store, bytes(7, 4), LAYER);
    await store.roots.set("image/a", a.manifest);
    await store.roots.set("image/b", b.manifest);
    await store.history.put({ id: "build-b", createdAt: new Date(Date.now() - 1000), completedAt: new Date(), results: [b.manifest] });
    const lease = await store.leases.create();
    await store.leases.addResource(lease.id, leased.digest);

    const usage = await store.usage();
    const reaches = Object.fromEntries(usage.holders.map((h) => [groupOf(h), h.reaches]));
    expect(reaches).toEqual({
      lease: [leased.digest],
      history: [b.manifest.digest, b.config.digest, shared.digest].sort(),
      "image/a": [a.manifest.digest, a.config.digest, shared.digest, onlyA.digest].sort(),
      "image/b": [b.manifest.digest, b.config.digest, shared.digest].sort(),
    });

    const attribution = attributeUsage(usage, groupOf);
    const group = (key: string) => attribution.groups.find((g) => g.key === key)!;
    expect(group("image/a")).toMatchObject({ holders: 1, blobs: 4, bytes: a.manifest.size + a.config.size + shared.size + onlyA.size, uniqueBlobs: 3, uniqueBytes: a.manifest.size + a.config.size + onlyA.size });
    // Image b and the history record reach the same blobs: neither alone frees anything.
    expect(group("image/b")).toMatchObject({ blobs: 3, uniqueBlobs: 0, uniqueBytes: 0 });
    expect(group("history")).toMatchObject({ blobs: 3, uniqueBlobs: 0 });
    expect(group("lease")).toMatchObject({ blobs: 1, uniqueBytes: 50 });
    expect(attribution.unreferenced).toEqual({ blobs: 1, bytes: junk.size });
    const du = await store.du();
    expect(attribution.total).toEqual({ blobs: du.blobs, bytes: du.bytes });
    expect(attribution.unreferenced).toEqual({ blobs: du.reclaimableBlobs, bytes: du.reclaimableBytes });
  });

  it("dates each root by its last set or read, which a writable roots.get renews", async () => {
    const root = await roots.make();
    const store = await openContentStore(root);
    const blob = await put(store, "record", "application/octet-stream");
    await store.roots.set("exp.cache/k", blob);
    const old = new Date("2020-01-01T00:00:00Z");
    await utimes(new Layout(root).rootPath("exp.cache/k"), old, old);
    const lastUsed = async (s: ContentStore) => (await s.usage()).holders.find((h) => h.kind === "root")!;
    expect(await lastUsed(store)).toMatchObject({ kind: "root", name: "exp.cache/k", lastUsedAt: old });

    await (await openContentStore(root, { readOnly: true })).roots.get("exp.cache/k");
    expect(await lastUsed(store)).toMatchObject({ lastUsedAt: old });
    const before = Date.now();
    await store.roots.get("exp.cache/k");
    const used = await lastUsed(store);
    expect(used.kind === "root" && used.lastUsedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});
