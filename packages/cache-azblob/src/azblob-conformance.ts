// For this package's tests only (not exported from index.ts).
import { createHash } from "node:crypto";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, type ConformanceOptions, type FaultProxy, type TestAzurite } from "@exp/testing";
import { cacheExporter } from "./azblob-cache-exporter.js";
import { committedNames, read } from "./azblob-test-support.js";

/**
 * The conformance suite's options for the azblob cache against Azurite, reached through a
 * recording, throttleable proxy. Each export gets its own prefix in `container`; the probe reads
 * the cache config at `<prefix>/manifests/buildkit` straight from Azurite (a client of its own),
 * and every blob it names, checking each digest.
 */
export function azblobConformanceOptions(azurite: () => TestAzurite, proxy: () => FaultProxy, container: string): ConformanceOptions {
  const get = async (name: string) => {
    const bytes = await read(azurite(), container, name);
    if (bytes === undefined) throw new Error(`${name} is not in container ${container}`);
    return bytes;
  };
  return {
    name: "cache azblob",
    exporter: cacheExporter,
    setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter }),
    target: ({ id }) => `conformance/${id}`,
    // mode=max: the fixture's store holds no image blobs for mode=min to reuse.
    attrs: (prefix) => ({
      account_url: `${proxy().url.replace(/\/$/, "")}/devstoreaccount1`,
      secret_access_key: azurite().accountKey,
      container,
      prefix,
      mode: "max",
    }),
    artifact: {
      async verify(prefix) {
        const config = JSON.parse((await get(`${prefix}/manifests/buildkit`)).toString("utf8")) as { layers?: Array<{ blob: string }>; records?: unknown[] };
        if (!config.layers?.length || !config.records?.length) throw new Error(`the cache config names no layers or no records: ${JSON.stringify(config).slice(0, 200)}`);
        for (const { blob } of config.layers) {
          const digest = `sha256:${createHash("sha256").update(await get(`${prefix}/blobs/${blob}`)).digest("hex")}`;
          if (digest !== blob) throw new Error(`${prefix}/blobs/${blob} holds ${digest}`);
        }
      },
      async present(prefix) {
        return (await committedNames(azurite(), container)).filter((n) => n === `${prefix}/manifests/buildkit`);
      },
    },
    requests: () => proxy().stats.log,
    throttle: () => {
      proxy().setRules([{ every: true, fault: { type: "delay", ms: 3000 } }]);
      return async () => proxy().setRules([]);
    },
  };
}
