import { rm } from "node:fs/promises";
import { join } from "node:path";
import { openContentStore, type ContentStore } from "@exp/content";
import type { Descriptor } from "@exp/oci-spec";
import { runJob } from "../rig/ci-runner.js";
import { writeRandomContext } from "../rig/image-from-cache.js";
import { countRequests, type RequestCounts } from "../rig/request-counts.js";
import { defaultLink, withRig, linkFigures } from "../rig/rig.js";
import type { Scenario } from "../scenario.js";
import { round, sampled } from "../stats.js";

const layers = 10;
const mibPerLayer = 20;

/**
 * A CI pipeline on two runners. Runner 1 (store A) builds the context and pushes the image to
 * `app:v1` and its cache (mode=max) to `app-cache:main`. Runner 2 starts with an empty store B and
 * the same context, imports `app-cache:main` and pushes the image to a new tag of `app` and to a
 * new repository, and the cache to a new tag of `app-cache`. Everything runner 2 needs is already
 * in the registry, so it should download no layer, compress none, and never ask (HEAD) about a blob
 * the imported cache named: in `app-cache` the import proves it is there, elsewhere a mount from
 * `app-cache` does in one request what HEAD-then-mount does in two. Each run of runner 2 has a
 * fresh store, a fresh registry client and fresh tags; runner 1 runs once.
 */
export const scenario: Scenario = {
  name: "rebuild",
  description: `runner 2 rebuilds a ${layers * mibPerLayer} MiB, ${layers}-layer context with an empty store from runner 1's registry cache (mode=max), pushes image + cache to the same registry, ${defaultLink.mibPerSecond} MiB/s link`,
  baseline: "a physical limit: zero, since everything runner 2 needs is in the registry already (no download, compression or HEAD is needed)",
  targets: [
    { metric: "layer_downloads", max: 0 },
    { metric: "recompressions", max: 0 },
    { metric: "known_heads", max: 0 },
  ],
  async run({ signal, log, runs }) {
    return withRig({ registries: 1, signal, scenario: "rebuild" }, async (rig, dir) => {
      const context = join(dir, "context");
      await writeRandomContext(context, layers, mibPerLayer);
      const { link } = rig.registries[0]!;
      const registry = link.host;
      const cacheRef = `${registry}/app-cache:main`;

      const storeA = await openContentStore(join(dir, "store-a"));
      const first = await runJob({ context, store: storeA, images: [`${registry}/app:v1`], cacheTo: cacheRef, signal });
      const imageDigest = first.outcome.response["containerimage.digest"]!;
      const cacheManifest = await readManifest(storeA, (JSON.parse(first.outcome.response["cache.manifest"]!) as Descriptor).digest);
      const imageManifest = await readManifest(storeA, imageDigest);
      // The layers are the image's blobs, named in the cache too.
      const layerDigests = new Set([...cacheManifest.layers, ...imageManifest.layers].map((l) => l.digest));
      // What the import proves `app-cache` holds: every blob its manifest names (it reads the config).
      const known = new Set([cacheManifest.config.digest, ...cacheManifest.layers.map((l) => l.digest)]);
      log(`runner 1: ${round(first.ms, 0)} ms, ${first.blobs.stats.created} layers compressed, ${known.size} blobs named by the cache`);

      const ms: number[] = [];
      const exportMs: number[] = [];
      const perRun: Array<RequestCounts & { recompressions: number }> = [];
      for (let i = 1; i <= runs; i++) {
        const storeDir = join(dir, `store-b-${i}`);
        await link.reset();
        const job = await runJob({
          context,
          store: await openContentStore(storeDir),
          cacheFrom: [cacheRef],
          images: [`${registry}/app:run-${i}`, `${registry}/app-run-${i}:v1`],
          cacheTo: `${registry}/app-cache:run-${i}`,
          signal,
        });
        const counts = { ...countRequests((await link.stats()).log, layerDigests, known), recompressions: job.blobs.stats.created };
        await rm(storeDir, { recursive: true, force: true });
        if (!job.cached) throw new Error("runner 2's build was not a full cache hit from the imported cache");
        if (job.outcome.response["containerimage.digest"] !== imageDigest) throw new Error("runner 2 built a different image from runner 1's");
        ms.push(job.ms);
        exportMs.push(job.exportMs);
        perRun.push(counts);
        log(
          `run ${i}: ${round(job.ms, 0)} ms (export ${round(job.exportMs, 0)} ms); ${counts.requests} requests, ${counts.layerDownloads} layer downloads, ` +
            `${counts.recompressions} compressions, ${counts.knownHeads}/${counts.blobHeads} blob HEADs for known blobs, ${counts.mounts} mounts, ${counts.uploads} uploads (${counts.uploadedBytes} bytes sent)`,
        );
      }
      // A count must be zero in every run, so the worst run is the figure.
      const worst = (k: keyof (typeof perRun)[number]) => Math.max(...perRun.map((c) => c[k]));
      const each = (k: keyof (typeof perRun)[number]) => sampled(perRun.map((c) => c[k]), 0);
      return {
        layer_downloads: worst("layerDownloads"),
        recompressions: worst("recompressions"),
        known_heads: worst("knownHeads"),
        blob_heads: worst("blobHeads"),
        blob_gets: worst("blobGets"),
        mounts: each("mounts"),
        uploads: each("uploads"),
        requests: each("requests"),
        uploaded_bytes: each("uploadedBytes"),
        rebuild_ms: sampled(ms, 0),
        rebuild_export_ms: sampled(exportMs, 0),
        runner1_ms: round(first.ms, 0),
        known_blobs: known.size,
        runs,
        ...linkFigures(),
      };
    });
  },
};

interface Manifest {
  config: Descriptor;
  layers: Descriptor[];
}

async function readManifest(store: ContentStore, digest: string): Promise<Manifest> {
  return JSON.parse((await store.readAll(digest as Descriptor["digest"])).toString("utf8")) as Manifest;
}
