import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { cacheExporter as s3Cache } from "@exp/cache-s3";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { registryExporter } from "@exp/exporter-image";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { requireTools, startFaultProxy, startRegistry, startS3, SWIFT_TOOLS } from "@exp/testing";
import type { Scenario } from "../scenario.js";
import { median, round } from "../stats.js";

const layers = 10;
const mibPerLayer = 30;
const linkMiBps = 60;
const pairs = 5;

/**
 * PR #6451's measurement, reproduced: an image built from cache (its blobs already compressed),
 * exported to a registry and, with mode=max, its cache to S3, over two equal links modelled by
 * throttling proxies (on loopback everything would be CPU-bound). The old order (--sequential-export)
 * against exp's, each run into fresh repositories and prefixes, median of pairs, with the
 * image-only and cache-only walls to show the parallel run costs no more than the slower of the two.
 */
export const scenario: Scenario = {
  name: "seed",
  description: `${layers * mibPerLayer} MiB image in ${layers} layers from cache: image → registry and cache (max) → S3, ${linkMiBps} MiB/s links, median of ${pairs}`,
  target: { metric: "ratio", max: 0.52 },
  async run({ signal, log }) {
    const tools = requireTools(["docker-registry", ...SWIFT_TOOLS]);
    if (!tools.available) throw new Error(`pnpm bench seed needs ${tools.missing.join(", ")}: run bash scripts/setup.sh`);
    const dir = await mkdtemp(join(tmpdir(), "exp-bench-seed-"));
    const registry = await startRegistry({ signal });
    const s3 = await startS3({ bucket: "seed", signal });
    const link = { bytesPerSecond: linkMiBps * 1024 * 1024, latencyMs: 20 };
    const registryLink = await startFaultProxy({ target: registry.url, link });
    const s3Link = await startFaultProxy({ target: s3.endpoint, link, preserveHost: true });
    try {
      const context = join(dir, "context");
      await mkdir(context, { recursive: true });
      const lines = ["FROM scratch"];
      for (let i = 0; i < layers; i++) {
        await writeFile(join(context, `part-${i}.bin`), randomBytes(mibPerLayer * 1024 * 1024));
        lines.push(`COPY part-${i}.bin /data/`);
      }
      await writeFile(join(context, "Dockerfile"), `${lines.join("\n")}\n`);
      const store = await openContentStore(join(dir, "store"));
      let run = 0;
      const exportOnce = async (what: { image: boolean; cache: boolean; sequential?: boolean }) => {
        run++;
        const built = await buildImage({ context, store, sourceDateEpoch: 1_700_000_000, signal });
        const client = createRegistryClient({ limiters: new HostLimiters(), insecure: [registryLink.host] });
        const started = performance.now();
        await runExport({
          source: built.source,
          store,
          signal,
          registry: client,
          ...(what.sequential ? { sequential: true } : {}),
          exporters: what.image ? [registryExporter.resolve({ name: `${registryLink.host}/seed/run-${run}:v1` })] : [],
          cacheExporters: what.cache
            ? [s3Cache.resolve({ bucket: "seed", region: s3.region, endpoint_url: s3Link.url, use_path_style: "true", access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey, prefix: `run-${run}/`, mode: "max" })]
            : [],
        });
        const elapsed = performance.now() - started;
        await store.leases.release(built.lease);
        await client.close();
        return elapsed;
      };
      log("warm-up: build and compress once (the build-from-cache state), push once");
      await exportOnce({ image: true, cache: true });
      const sequential: number[] = [];
      const parallel: number[] = [];
      const imageOnly: number[] = [];
      const cacheOnly: number[] = [];
      for (let i = 0; i < pairs; i++) {
        const order = i % 2 === 0 ? ["seq", "par"] : ["par", "seq"];
        for (const mode of order) (mode === "seq" ? sequential : parallel).push(await exportOnce({ image: true, cache: true, sequential: mode === "seq" }));
        imageOnly.push(await exportOnce({ image: true, cache: false }));
        cacheOnly.push(await exportOnce({ image: false, cache: true }));
        log(`pair ${i + 1}: sequential ${round(sequential[i]!, 0)} ms, parallel ${round(parallel[i]!, 0)} ms, image only ${round(imageOnly[i]!, 0)} ms, cache only ${round(cacheOnly[i]!, 0)} ms`);
      }
      const seq = median(sequential);
      const par = median(parallel);
      const slower = Math.max(median(imageOnly), median(cacheOnly));
      return {
        sequential_ms: round(seq, 0),
        parallel_ms: round(par, 0),
        image_only_ms: round(median(imageOnly), 0),
        cache_only_ms: round(median(cacheOnly), 0),
        ratio: round(par / seq),
        ratio_min: round(Math.min(...parallel) / Math.max(...sequential)),
        ratio_max: round(Math.max(...parallel) / Math.min(...sequential)),
        parallel_over_slower: round(par / slower),
        pairs,
        link_mib_s: linkMiBps,
      };
    } finally {
      await registryLink.stop();
      await s3Link.stop();
      await s3.stop();
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
