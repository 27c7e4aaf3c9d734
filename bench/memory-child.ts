import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs } from "@exp/solver";

/**
 * Runs in its own process for `pnpm bench memory`: builds the context in argv[2] into a fresh
 * store and gzips every layer, then prints its own peak RSS (getrusage maxrss, in KiB).
 */
async function main(): Promise<void> {
  const dir = process.argv[2]!;
  const store = await openContentStore(join(dir, "store"));
  const started = performance.now();
  const result = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
  const blobs = new LayerBlobs(store);
  await Promise.all(result.source.results[0]!.ref.layers.map((l) => blobs.get(l, { type: "gzip" }, { lease: result.lease })));
  const elapsed = performance.now() - started;
  process.stdout.write(`${JSON.stringify({ max_rss_kib: process.resourceUsage().maxRSS, elapsed_ms: Math.round(elapsed), layers: result.source.results[0]!.ref.layers.length })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
