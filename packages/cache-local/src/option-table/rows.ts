import { expect } from "vitest";
import type { AttrCase } from "@exp/testing";
import { cacheLayers, cacheManifest, entry, type CacheDir } from "./cache-dir.js";

/** A blob no index.json entry names, put in the destination by the "stale" variant. */
export const STALE_BLOB = "blobs/sha256/0000000000000000000000000000000000000000000000000000000000000000";
const MAX = { mode: "max" };
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
type Row = AttrCase<CacheDir>;

export const localCacheRows: readonly Row[] = [
  {
    key: "mode",
    with: { mode: "max" },
    variant: "with-image",
    // cache/remotecache: mode=min exports the result's chain (the image's layers), max every record's.
    expect: "the other stage's layer exported too, beside the image's",
    differs: (without, withIt) => {
      const [a, b] = [cacheLayers(without).map((l) => l.digest), cacheLayers(withIt).map((l) => l.digest)];
      expect(b.length).toBeGreaterThan(a.length);
      expect(b).toEqual(expect.arrayContaining(a));
    },
  },
  {
    key: "compression",
    base: MAX,
    with: { compression: "zstd" },
    expect: "zstd cache layers",
    differs: (without, withIt) => {
      expect(cacheLayers(without).every((l) => l.mediaType.endsWith("+gzip"))).toBe(true);
      expect(cacheLayers(withIt).map((l) => l.mediaType)).toEqual(cacheLayers(without).map(() => "application/vnd.oci.image.layer.v1.tar+zstd"));
    },
  },
  {
    key: "compression-level",
    base: MAX,
    with: { "compression-level": "0" },
    expect: "other gzip blobs (level 0 stores), larger",
    differs: (without, withIt) => {
      const [a, b] = [cacheLayers(without), cacheLayers(withIt)];
      expect(b.map((l) => l.mediaType)).toEqual(a.map((l) => l.mediaType));
      for (const [i, l] of b.entries()) expect(l.size).toBeGreaterThan(a[i]!.size);
    },
  },
  {
    key: "force-compression",
    base: { mode: "max", compression: "zstd" },
    with: { "force-compression": "true" },
    variant: "on-base",
    // BuildKit's cache/remote.go GetRemotes: without force, compression applies to newly created
    // blobs only; the base image's gzip layer keeps its blob. (BuildKit also keeps a gzip blob an
    // image exporter made earlier in the same build; exp's LayerBlobs makes a zstd one: see the
    // package README.)
    expect: "the base image's gzip layer recompressed to zstd",
    differs: (without, withIt) => {
      // The base image has two layers, the child one: mode=max exports all three.
      const kinds = (c: CacheDir) => cacheLayers(c).map((l) => l.mediaType.split("+")[1]).sort();
      expect(kinds(without)).toEqual(["gzip", "gzip", "zstd"]);
      expect(kinds(withIt)).toEqual(["zstd", "zstd", "zstd"]);
    },
  },
  {
    key: "image-manifest",
    base: MAX,
    with: { "image-manifest": "false" },
    expect: "the cache as an OCI index (layers and config in manifests) instead of an image manifest",
    differs: (without, withIt) => {
      expect(cacheManifest(without).mediaType).toBe(OCI_MANIFEST);
      expect(cacheManifest(withIt).mediaType).toBe("application/vnd.oci.image.index.v1+json");
      expect(cacheLayers(withIt).map((l) => l.digest)).toEqual(cacheLayers(without).map((l) => l.digest));
    },
  },
  {
    key: "oci-mediatypes",
    base: MAX,
    with: { "oci-mediatypes": "false" },
    expect: "a Docker manifest list with Docker layer media types",
    differs: (without, withIt) => {
      expect(cacheManifest(without).mediaType).toBe(OCI_MANIFEST);
      expect(cacheManifest(withIt).mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
      expect(cacheLayers(withIt).every((l) => l.mediaType === "application/vnd.docker.image.rootfs.diff.tar.gzip")).toBe(true);
    },
  },
  {
    key: "ignore-error",
    base: MAX,
    with: { "ignore-error": "true" },
    variant: "broken-dest",
    // solver/llbsolver/solver.go: a cache export error is logged and the build succeeds.
    expect: "the build succeeds without a cache instead of failing",
    differs: (without, withIt) => {
      expect(without.error).toBeDefined();
      expect(withIt.error).toBeUndefined();
      expect(withIt.files.has("index.json")).toBe(false);
    },
  },
  {
    key: "tag",
    base: MAX,
    with: { tag: "v2" },
    expect: "index.json's entry named v2 instead of latest, the same cache",
    differs: (without, withIt) => {
      expect(() => entry(withIt, "latest")).toThrow(/no latest entry/);
      expect(entry(withIt, "v2").digest).toBe(entry(without, "latest").digest);
    },
  },
  {
    key: "reset",
    base: MAX,
    with: { reset: "true" },
    variant: "stale",
    expect: "the blob no index.json entry names deleted",
    differs: (without, withIt) => {
      expect(without.files.has(STALE_BLOB)).toBe(true);
      expect(withIt.files.has(STALE_BLOB)).toBe(false);
      expect(entry(withIt).digest).toBe(entry(without).digest);
    },
  },
];
