import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST } from "@exp/oci-spec";
import type { FaultProxyStats } from "@exp/testing";
import { timedExport, writeRandomContext, type ExportPlan } from "../rig/image-from-cache.js";
import { defaultLink, withRig, linkFigures } from "../rig/rig.js";
import type { Scenario } from "../scenario.js";
import { median, pairRatios, round, sampled } from "../stats.js";

const layers = 10;
const mibPerLayer = 30;
const kinds = ["sequential", "parallel", "image", "shared-sequential"] as const;
type Kind = (typeof kinds)[number];
const manifestTypes = [OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST];

/**
 * BuildKit's common CI setup: the image and its registry cache (mode=max) pushed to two
 * repositories of one registry, through one uplink (one rig registry, one link). The layers are
 * shared, so each must cross the link once and be mounted (POST ?mount=&from=) into the other
 * repository, also when both exporters push it at the same moment. Each round runs the old order
 * (sequential: true), exp's (parallel) and the image alone back to back, order rotating, into
 * fresh repositories.
 *
 * Bytes: "sent" is the request-body bytes the link forwarded for blob uploads (POST/PATCH/PUT under
 * /blobs/uploads/); "unique" is the sum of the sizes of the distinct non-manifest blobs the image
 * and the cache manifests reference, read back from the registry after the run. Both leave the
 * manifests out (they are pushed once per repository by design and are tiny), so the ratio is
 * exactly 1 when every blob crossed once, and counts from the registry's view rather than the
 * client's, which is what would reveal a blob uploaded twice.
 *
 * The baseline ("sequential") is the old order as two separate pushers do it: the image export,
 * then the cache export with a registry session of its own that knows nothing of the first, so it
 * finds each layer missing from the cache repository (HEAD 404) and uploads it again. That is what
 * the issue's reference point measured (buildpacks' lifecycle pushing app and cache to one
 * registry: 0.73–0.80) and what BuildKit's parallel finalize still does when both pushes race
 * before either has labelled a blob as pushed. exp's own --sequential-export shares one client
 * and mounts too ("shared_sequential"): over one link it moves the same bytes as the parallel run,
 * so parallel_over_shared_sequential ≈ 1 and parallel_over_image_only ≈ 1 say the cache rode along
 * for free; parallel_over_sequential is what exp saves against a pusher that sends twice.
 */
export const scenario: Scenario = {
  name: "same-registry",
  description: `${layers * mibPerLayer} MiB image in ${layers} layers from cache: image and cache (max) → two repositories of one registry over one ${defaultLink.mibPerSecond} MiB/s link`,
  baseline: "two separate pushers, each uploading every blob (buildpacks' lifecycle pushing app and cache, the reference point of issue 8), not BuildKit (whether its parallel finalize uploads a shared blob twice is not measured here); exp's own sequential order with one shared client is beside it (shared_sequential)",
  targets: [
    { metric: "parallel_bytes_over_unique", max: 1.0 },
    { metric: "parallel_over_sequential", max: 0.55 },
    { metric: "parallel_over_image_only", max: 1.05 },
  ],
  async run({ signal, log, runs }) {
    return withRig({ registries: 1, signal, scenario: "same-registry" }, async (rig, dir) => {
      const context = join(dir, "context");
      await writeRandomContext(context, layers, mibPerLayer);
      const store = await openContentStore(join(dir, "store"));
      const { link, server } = rig.registries[0]!;
      let n = 0;
      const once = async (kind: Kind): Promise<Run> => {
        n++;
        const image = { repo: `same/run-${n}/image`, tag: "v1" };
        const cache = { repo: `same/run-${n}/cache`, tag: "buildcache" };
        await link.reset();
        const images = [`${link.host}/${image.repo}:${image.tag}`];
        const registryCaches = [{ ref: `${link.host}/${cache.repo}:${cache.tag}`, mode: "max" as const }];
        const export_ = (plan: ExportPlan) => timedExport({ context, store, signal, plan });
        const timed =
          kind === "sequential"
            ? // Two exports, each with a fresh registry client (timedExport makes one per call).
              [await export_({ images }), await export_({ registryCaches })].reduce((a, b) => ({ ms: a.ms + b.ms, cpuMs: a.cpuMs + b.cpuMs, timeline: [...a.timeline, ...b.timeline] }))
            : await export_({ images, ...(kind === "image" ? {} : { registryCaches }), ...(kind === "shared-sequential" ? { sequential: true } : {}) });
        const stats = await link.stats();
        // Straight to the server, not through the link: reading back is not part of the run.
        const unique = new Map<string, number>();
        await collectBlobs(server.url, image.repo, image.tag, unique, signal);
        if (kind !== "image") await collectBlobs(server.url, cache.repo, cache.tag, unique, signal);
        return { ms: timed.ms, ...count(stats), uniqueBlobs: unique.size, uniqueBytes: [...unique.values()].reduce((a, b) => a + b, 0) };
      };
      log("warm-up: build and compress once (the build-from-cache state), push once");
      await once("parallel");
      const all: Record<Kind, Run[]> = { sequential: [], parallel: [], image: [], "shared-sequential": [] };
      for (let i = 0; i < runs; i++) {
        const rotated = [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)];
        for (const kind of rotated) all[kind].push(await once(kind));
        const [s, p, img, shared] = [all.sequential[i]!, all.parallel[i]!, all.image[i]!, all["shared-sequential"][i]!];
        log(
          `round ${i + 1}: sequential ${round(s.ms, 0)} ms (sent ${mib(s.uploadBytes)} MiB), parallel ${round(p.ms, 0)} ms, image only ${round(img.ms, 0)} ms, shared sequential ${round(shared.ms, 0)} ms; parallel sent ${mib(p.uploadBytes)} of ${mib(p.uniqueBytes)} MiB unique, ${p.uploads} uploads, ${p.mounts} mounts, ${p.heads} HEADs`,
        );
      }
      const { sequential: seq, parallel: par, image: img, "shared-sequential": shared } = all;
      const pick = (runs: Run[], key: keyof Run) => runs.map((r) => r[key]);
      return {
        sequential_ms: sampled(pick(seq, "ms"), 0),
        parallel_ms: sampled(pick(par, "ms"), 0),
        image_only_ms: sampled(pick(img, "ms"), 0),
        shared_sequential_ms: sampled(pick(shared, "ms"), 0),
        parallel_over_sequential: sampled(pairRatios(pick(par, "ms"), pick(seq, "ms"))),
        parallel_over_shared_sequential: sampled(pairRatios(pick(par, "ms"), pick(shared, "ms"))),
        // What mounting buys here: the cache costs (almost) nothing on top of the image push.
        parallel_over_image_only: sampled(pairRatios(pick(par, "ms"), pick(img, "ms"))),
        parallel_bytes_over_unique: sampled(pairRatios(pick(par, "uploadBytes"), pick(par, "uniqueBytes")), 4),
        sequential_bytes_over_unique: sampled(pairRatios(pick(seq, "uploadBytes"), pick(seq, "uniqueBytes")), 4),
        shared_sequential_bytes_over_unique: sampled(pairRatios(pick(shared, "uploadBytes"), pick(shared, "uniqueBytes")), 4),
        unique_mib: round(median(pick(par, "uniqueBytes")) / 2 ** 20, 1),
        unique_blobs: median(pick(par, "uniqueBlobs")),
        // Request counts of the parallel run (medians): uploads should equal unique_blobs, and
        // every layer should be mounted once into the other repository.
        parallel_uploads: median(pick(par, "uploads")),
        parallel_mounts: median(pick(par, "mounts")),
        parallel_heads: median(pick(par, "heads")),
        parallel_requests: median(pick(par, "requests")),
        sequential_requests: median(pick(seq, "requests")),
        runs,
        ...linkFigures(),
      };
    });
  },
};

interface Run {
  ms: number;
  requests: number;
  /** Request-body bytes of blob-upload requests. */
  uploadBytes: number;
  /** Upload sessions committed (PUT … 201). */
  uploads: number;
  /** Cross-repository mounts that succeeded (POST ?mount= … 201). */
  mounts: number;
  heads: number;
  uniqueBlobs: number;
  uniqueBytes: number;
}

function count(stats: FaultProxyStats): Omit<Run, "ms" | "uniqueBlobs" | "uniqueBytes"> {
  const uploads = stats.log.filter((e) => e.path.includes("/blobs/uploads/"));
  return {
    requests: stats.requests,
    uploadBytes: uploads.reduce((sum, e) => sum + e.requestBytes, 0),
    uploads: uploads.filter((e) => e.method === "PUT" && e.status === 201).length,
    mounts: uploads.filter((e) => e.method === "POST" && e.path.includes("mount=") && e.status === 201).length,
    heads: stats.byMethod.HEAD ?? 0,
  };
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** Adds every non-manifest blob a manifest (or index, recursively) references to `into`. */
async function collectBlobs(base: string, repo: string, reference: string, into: Map<string, number>, signal: AbortSignal): Promise<void> {
  const response = await fetch(`${base}/v2/${repo}/manifests/${reference}`, { headers: { accept: manifestTypes.join(", ") }, signal });
  if (!response.ok) throw new Error(`reading back ${repo}:${reference}: HTTP ${response.status}`);
  const manifest = (await response.json()) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  for (const d of [...(manifest.config ? [manifest.config] : []), ...(manifest.layers ?? []), ...(manifest.manifests ?? [])]) {
    if (manifestTypes.includes(d.mediaType)) await collectBlobs(base, repo, d.digest, into, signal);
    else into.set(d.digest, d.size);
  }
}

function mib(bytes: number): number {
  return round(bytes / 2 ** 20, 1);
}
