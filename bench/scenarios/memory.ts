import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { writeContext } from "../fixtures.js";
import type { MemoryChildConfig, MemoryChildResult } from "../memory-child.js";
import { withRig, linkFigures, type LinkSpec } from "../rig/rig.js";
import type { Scenario } from "../scenario.js";
import { round, sampled } from "../stats.js";

const run = promisify(execFile);
const layers = 16;
const mibPerLayer = 128;
/**
 * Faster than the rig's default 60 MiB/s CI uplink, so a run is not mostly waiting on ~1 GiB of
 * compressed blobs per destination, yet far slower than reading the store: uploads still push
 * back on the readers, which is what makes buffers (stream chunks, multipart parts) fill up to
 * their bounds. On bare loopback they drain as fast as they fill and would hide such buffering.
 */
const link: LinkSpec = { mibPerSecond: 200, latencyMs: 20 };

/**
 * Peak RSS of a process that builds a 2 GiB context (16 layers of text-like files) into a fresh
 * store and exports it: gzip of every layer, the image pushed to a registry and the cache
 * (mode=max) uploaded to S3, in parallel, each through its own link proxy. Every blob is streamed
 * (file -> tar -> store -> gzip -> store -> network), so memory must not grow with the data.
 * The exp side runs in a child process (bench/memory-child.ts) so the measurement is its own, not
 * the runner's; the servers and link proxies are this process's rig. Each run uses a fresh store,
 * repository and S3 prefix, so everything is compressed and uploaded every time.
 *
 * The child runs exp as it ships: the packages' built JavaScript (dist/, made by `pnpm build`,
 * which turbo caches), and the child itself transpiled to plain JS, not through tsx. tsx's loader
 * alone holds about 45 MiB that no user's `exp` carries.
 */
export const scenario: Scenario = {
  name: "memory",
  description: `peak RSS of exp (built) building and exporting a ${(layers * mibPerLayer) / 1024} GiB context in ${layers} layers: image → registry, cache (max) → S3, ${link.mibPerSecond} MiB/s links`,
  baseline: "an absolute budget of 200 MiB (issue 7), with the process's own RSS before the build shown as baseline_rss_mib",
  targets: [{ metric: "peak_rss_mib", max: 200 }],
  async run({ signal, log, runs }) {
    return withRig({ registries: 1, s3: true, link, signal, scenario: "memory" }, async (rig, dir) => {
      log("writing the context");
      const context = join(dir, "context");
      await writeContext(context, { layers, bytesPerLayer: mibPerLayer * 1024 * 1024, filesPerLayer: 4 });
      log("building the packages (pnpm build) and the child script");
      await run("pnpm", ["build"], { signal, maxBuffer: 16 << 20 });
      const child = await transpiledChild();
      const s3 = rig.s3!;
      const results: MemoryChildResult[] = [];
      for (let i = 0; i < runs; i++) {
        const store = join(dir, `store-${i}`);
        const config: MemoryChildConfig = {
          context,
          store,
          image: `${rig.registries[0]!.link.host}/memory/run-${i}:v1`,
          s3: { endpoint: s3.link.url, bucket: s3.bucket, region: s3.server.region, accessKeyId: s3.server.accessKeyId, secretAccessKey: s3.server.secretAccessKey, prefix: `run-${i}/` },
        };
        try {
          const { stdout } = await run(process.execPath, [child], {
            signal,
            maxBuffer: 1 << 20,
            env: { ...process.env, EXP_BENCH_MEMORY: JSON.stringify(config) },
          });
          results.push(JSON.parse(stdout.trim().split("\n").at(-1)!) as MemoryChildResult);
        } finally {
          await rm(store, { recursive: true, force: true });
        }
        const r = results[i]!;
        log(`run ${i + 1}: peak RSS ${round(r.max_rss_kib / 1024, 1)} MiB (baseline ${round(r.baseline_rss_kib / 1024, 1)}, after build ${round(r.build_max_rss_kib / 1024, 1)}), build ${r.build_ms} ms, export ${r.export_ms} ms (compress ${r.compress_ms}, push ${r.push_ms}, cache ${r.cache_upload_ms})`);
      }
      const mib = (values: number[], per: number) => sampled(values.map((v) => v / per), 1);
      return {
        peak_rss_mib: mib(results.map((r) => r.max_rss_kib), 1024),
        // What the process holds before doing anything: Node and exp's modules.
        baseline_rss_mib: mib(results.map((r) => r.baseline_rss_kib), 1024),
        build_peak_rss_mib: mib(results.map((r) => r.build_max_rss_kib), 1024),
        peak_array_buffers_mib: mib(results.map((r) => r.peak_array_buffers), 2 ** 20),
        peak_heap_used_mib: mib(results.map((r) => r.peak_heap_used), 2 ** 20),
        build_ms: sampled(results.map((r) => r.build_ms), 0),
        export_ms: sampled(results.map((r) => r.export_ms), 0),
        compress_ms: sampled(results.map((r) => r.compress_ms), 0),
        push_ms: sampled(results.map((r) => r.push_ms), 0),
        cache_upload_ms: sampled(results.map((r) => r.cache_upload_ms), 0),
        layers: results[0]!.layers,
        context_gib: (layers * mibPerLayer) / 1024,
        runs,
        ...linkFigures(link),
      };
    });
  },
};

/**
 * bench/memory-child.ts as plain JS next to it (so `@exp/*` resolve from the repository's
 * node_modules, to their dist/ builds without the @exp/source condition). Git ignores the file.
 */
async function transpiledChild(): Promise<string> {
  const source = join(import.meta.dirname, "..", "memory-child.ts");
  const output = ts.transpileModule(await readFile(source, "utf8"), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const target = join(import.meta.dirname, "..", ".memory-child.mjs");
  await writeFile(target, output.outputText);
  return target;
}
