// For this package's tests only (not exported from index.ts).
import { createHash } from "node:crypto";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, type ConformanceOptions, type FaultProxy, type TestAzurite, type TestGhaCache } from "@exp/testing";
import { cacheExporter } from "./gha-cache-exporter.js";
import { entryBody } from "./gha-test-support.js";

/**
 * The conformance suite's options for the gha cache: the service (RPCs) and Azurite (the entry
 * bodies behind its signed URLs) each reached through a recording, throttleable proxy, their logs
 * merged in the order requests began. Each export gets its own scope; the probe reads the newest
 * index of that scope and every blob entry it names, checking each digest.
 */
export function ghaConformanceOptions(world: () => { azurite: TestAzurite; gha: TestGhaCache; rpcProxy: FaultProxy; blobProxy: FaultProxy; token: string }): ConformanceOptions {
  const indexesOf = (scope: string) => world().gha.entries().filter((e) => e.finalized && e.key.startsWith(`index-${scope}-1-`));
  return {
    name: "cache gha",
    exporter: cacheExporter,
    setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter }),
    target: ({ id }) => `conformance-${id}`,
    // mode=max: the fixture's store holds no image blobs for mode=min to reuse.
    attrs: (scope) => ({ token: world().token, url_v2: world().rpcProxy.url, scope, mode: "max" }),
    artifact: {
      async verify(scope) {
        const index = indexesOf(scope).at(-1);
        if (!index) throw new Error(`no index entry for scope ${scope}`);
        const config = JSON.parse((await entryBody(world().azurite, world().gha, index.key)).toString("utf8")) as { layers?: Array<{ blob: string }>; records?: unknown[] };
        if (!config.layers?.length || !config.records?.length) throw new Error(`the cache config names no layers or no records: ${JSON.stringify(config).slice(0, 200)}`);
        for (const { blob } of config.layers) {
          const digest = `sha256:${createHash("sha256").update(await entryBody(world().azurite, world().gha, `buildkit-blob-1-${blob}`)).digest("hex")}`;
          if (digest !== blob) throw new Error(`entry buildkit-blob-1-${blob} holds ${digest}`);
        }
      },
      async present(scope) {
        return indexesOf(scope).map((e) => e.key);
      },
    },
    requests: () => [...world().rpcProxy.stats.log, ...world().blobProxy.stats.log].sort((a, b) => a.startedAt - b.startedAt),
    throttle: () => {
      const { rpcProxy, blobProxy } = world();
      for (const proxy of [rpcProxy, blobProxy]) proxy.setRules([{ every: true, fault: { type: "delay", ms: 3000 } }]);
      return async () => {
        for (const proxy of [rpcProxy, blobProxy]) proxy.setRules([]);
      };
    },
  };
}
