import { expect } from "vitest";
import type { AttrCase } from "../types.js";
import { cacheLayers, cacheManifest, type CacheArtifact, type CacheDescriptor } from "./cache-layout.js";

type Row = AttrCase<CacheArtifact>;

/** How the shared rows read a cache: the layout view by default; S3 reads its cache config. */
export interface CacheView {
  layers(cache: CacheArtifact): CacheDescriptor[];
  /** The media type of the cache's root document. */
  rootMediaType(cache: CacheArtifact): string;
  /** Whether a cache was written at all. */
  present(cache: CacheArtifact): boolean;
}

/** The view of an OCI layout (`--cache-to type=local`, a registry cache read back by layoutSnapshot). */
export const layoutView: CacheView = {
  layers: cacheLayers,
  rootMediaType: (cache) => cacheManifest(cache).mediaType,
  present: (cache) => cache.files.has("index.json"),
};

/**
 * The variants the shared rows use; every backend's `export` must know them:
 * - "with-image": an image exporter runs beside the cache (mode=min then exports its layers);
 * - "on-base": the build is FROM a gzip base image of two layers, adding one;
 * - "broken-dest": the destination refuses the cache, so the export fails.
 * Without a variant, the build is FROM scratch with two stages (the other stage's layer is what
 * mode=max adds).
 */
export const CACHE_VARIANTS = ["with-image", "on-base", "broken-dest"] as const;

const MAX = { mode: "max" };
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/**
 * The rows of the keys BuildKit's cache exporters share (cache/remotecache/import.go's and
 * export.go's attrs, parsed for local and registry in remotecache/local and registry, and by
 * solver/llbsolver for mode and ignore-error, which s3 and azblob get too). `keys` picks the rows
 * a backend's table has: S3 has only mode and ignore-error (its compression is fixed: s3.go Config).
 */
export function cacheExportRows(keys: readonly string[], view: CacheView = layoutView): Row[] {
  const rows: Row[] = [
    {
      key: "mode",
      with: { mode: "max" },
      variant: "with-image",
      // cache/remotecache: mode=min exports the result's chain (the image's layers), max every record's.
      expect: "the other stage's layer exported too, beside the image's",
      differs: (without, withIt) => {
        const [a, b] = [view.layers(without).map((l) => l.digest), view.layers(withIt).map((l) => l.digest)];
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
        expect(view.layers(without).every((l) => l.mediaType.endsWith("+gzip"))).toBe(true);
        expect(view.layers(withIt).map((l) => l.mediaType)).toEqual(view.layers(without).map(() => "application/vnd.oci.image.layer.v1.tar+zstd"));
      },
    },
    {
      key: "compression-level",
      base: MAX,
      with: { "compression-level": "0" },
      expect: "other gzip blobs (level 0 stores), larger",
      differs: (without, withIt) => {
        const [a, b] = [view.layers(without), view.layers(withIt)];
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
      // blobs only; the base image's gzip layers keep their blobs.
      expect: "the base image's gzip layers recompressed to zstd",
      differs: (without, withIt) => {
        // The base image has two layers, the child one: mode=max exports all three.
        const kinds = (c: CacheArtifact) => view.layers(c).map((l) => l.mediaType.split("+")[1]).sort();
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
        expect(view.rootMediaType(without)).toBe(OCI_MANIFEST);
        expect(view.rootMediaType(withIt)).toBe("application/vnd.oci.image.index.v1+json");
        expect(view.layers(withIt).map((l) => l.digest)).toEqual(view.layers(without).map((l) => l.digest));
      },
    },
    {
      key: "oci-mediatypes",
      base: MAX,
      with: { "oci-mediatypes": "false" },
      expect: "a Docker manifest list with Docker layer media types",
      differs: (without, withIt) => {
        expect(view.rootMediaType(without)).toBe(OCI_MANIFEST);
        expect(view.rootMediaType(withIt)).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
        expect(view.layers(withIt).every((l) => l.mediaType === "application/vnd.docker.image.rootfs.diff.tar.gzip")).toBe(true);
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
        expect(view.present(withIt)).toBe(false);
      },
    },
  ];
  return rows.filter((row) => keys.includes(row.key));
}
