import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { cacheExporter as registryCache } from "@exp/cache-registry";
import { cacheExporter as azblobCache } from "@exp/cache-azblob";
import { cacheExporter as s3Cache } from "@exp/cache-s3";
import type { ContentStore } from "@exp/content";
import { runExport, type TimelineEntry } from "@exp/coordinator";
import { buildImage, type BuildImageResult } from "@exp/dockerfile";
import { registryExporter } from "@exp/exporter-image";
import { HostLimiters, createRegistryClient, type RegistryClient } from "@exp/registry";
import type { CacheExporterInstance, ExportSource, ExporterInstance, LayerBlobs } from "@exp/solver";
import type { RigAzblob, RigS3 } from "./rig.js";

/**
 * A context of `layers` files of random bytes (incompressible, like the compressed layers of a real
 * image), one COPY each: built once and exported, its blobs are in the store, which is the state a
 * build from cache leaves behind.
 */
export async function writeRandomContext(dir: string, layers: number, mibPerLayer: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const lines = ["FROM scratch"];
  for (let i = 0; i < layers; i++) {
    await writeFile(join(dir, `part-${i}.bin`), randomBytes(mibPerLayer * 1024 * 1024));
    lines.push(`COPY part-${i}.bin /data/`);
  }
  await writeFile(join(dir, "Dockerfile"), `${lines.join("\n")}\n`);
}

export interface ExportPlan {
  /** Image names, each pushed with type=registry. */
  images?: string[];
  /** Registry cache refs (`host/repo:tag`). */
  registryCaches?: Array<{ ref: string; mode: "min" | "max" }>;
  s3Cache?: { s3: RigS3; prefix: string; mode: "min" | "max" };
  /** The azblob cache, into Azurite through its link. */
  azblobCache?: { azblob: RigAzblob; prefix: string; mode: "min" | "max" };
  sequential?: boolean;
  /** Attrs added to every image exporter (e.g. `compression: "zstd"`). */
  imageAttrs?: Record<string, string>;
}

/**
 * A fresh registry client (so nothing is known about any repository) with its own limiters, and
 * every registry named in `refs` marked insecure (plain HTTP on loopback).
 */
export function loopbackClient(refs: readonly string[]): RegistryClient {
  return createRegistryClient({ limiters: new HostLimiters(), insecure: [...new Set(refs.map((r) => r.split("/")[0]!))] });
}

/** The exporter instances of a plan: `type=registry` per image, registry caches, the S3 and azblob caches. */
export function exportersFor(plan: ExportPlan): { exporters: ExporterInstance[]; cacheExporters: CacheExporterInstance[] } {
  const exporters = (plan.images ?? []).map((name) => registryExporter.resolve({ name, ...plan.imageAttrs }));
  const cacheExporters: CacheExporterInstance[] = (plan.registryCaches ?? []).map((c) => registryCache.resolve({ ref: c.ref, mode: c.mode }));
  if (plan.s3Cache) {
    const { s3, prefix, mode } = plan.s3Cache;
    cacheExporters.push(
      s3Cache.resolve({ bucket: s3.bucket, region: s3.server.region, endpoint_url: s3.link.url, use_path_style: "true", access_key_id: s3.server.accessKeyId, secret_access_key: s3.server.secretAccessKey, prefix, mode }),
    );
  }
  if (plan.azblobCache) {
    const { azblob, prefix, mode } = plan.azblobCache;
    cacheExporters.push(azblobCache.resolve({ account_url: `${azblob.link.url.replace(/\/$/, "")}/${azblob.server.accountName}`, secret_access_key: azblob.server.accountKey, container: "bench", prefix, mode }));
  }
  return { exporters, cacheExporters };
}

export interface TimedExport {
  ms: number;
  /** CPU time (user + system) of this process, exp's, during the export: the servers and link proxies run in processes of their own. */
  cpuMs: number;
  timeline: TimelineEntry[];
}

/**
 * Builds the context (a cache hit after the first time) and times only the export, with a fresh
 * loopbackClient and fresh repositories or prefixes chosen by the caller.
 */
export async function timedExport(options: {
  context: string;
  store: ContentStore;
  plan: ExportPlan;
  signal: AbortSignal;
  blobs?: LayerBlobs;
  /** Called just before and just after runExport, outside the timing (a profiler: bench/tools/export-profile.ts). */
  around?: { start(): Promise<void>; stop(): Promise<void> };
  /** Makes the build's attestations, inside the timing, before the export (the attest scenario). */
  attest?: (built: BuildImageResult) => Promise<ExportSource>;
}): Promise<TimedExport> {
  const { context, store, plan, signal } = options;
  const built = await buildImage({ context, store, sourceDateEpoch: 1_700_000_000, signal });
  const client = loopbackClient([...(plan.images ?? []), ...(plan.registryCaches ?? []).map((c) => c.ref)]);
  const { exporters, cacheExporters } = exportersFor(plan);
  try {
    await options.around?.start();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const source = options.attest ? await options.attest(built) : built.source;
    const outcome = await runExport({
      source,
      store,
      signal,
      registry: client,
      exporters,
      cacheExporters,
      ...(plan.sequential ? { sequential: true } : {}),
      ...(options.blobs ? { blobs: options.blobs } : {}),
    });
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    await options.around?.stop();
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, timeline: outcome.timeline };
  } finally {
    await store.leases.release(built.lease);
    await client.close();
  }
}
