import { describe } from "vitest";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { registryExporter } from "@exp/exporter-image";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { LayerBlobs, ProgressReporter, type ExportContext, type Exporter, type InlineCacheExporterInstance } from "@exp/solver";
import { conformanceSetup, registryArtifact, skipUnlessTools } from "@exp/testing";
import { describeExporterConformance, recordedRegistry } from "@exp/testing/vitest";
import { cacheExporter } from "./inline-cache-exporter.js";

/**
 * The inline cache has no phases of its own: it is checked through the exporter that embeds it,
 * as the coordinator runs them (prepare first, then the image exporter's create with the callback
 * in its context). Every attribute but the image name is the inline cache's, so the unknown
 * attribute check reaches its resolve.
 */
const IMAGE_NAME = "conformance.image-name";
const inlineThroughRegistry: Exporter = {
  type: "inline",
  resolve({ [IMAGE_NAME]: name, ...attrs }) {
    const inline = cacheExporter.resolve(attrs) as InlineCacheExporterInstance;
    const image = registryExporter.resolve({ name: name ?? "" });
    return {
      type: "inline",
      name: image.name,
      wantsInlineCache: true,
      async export(source, ctx) {
        const inlineCache = await inline.prepare(source, ctx);
        return image.export(source, { ...ctx, inlineCache } satisfies ExportContext);
      },
    };
  },
};

// The image is pushed in finalize through a recording, throttleable proxy; the probe reads it back
// from the registry and checks that its config carries the cache records.
describe.skipIf(skipUnlessTools("docker-registry"))("against a real registry", () => {
  const served = recordedRegistry(() => createRegistryClient({ limiters: new HostLimiters() }));

  describeExporterConformance({
    name: "cache inline, in a pushed image",
    exporter: inlineThroughRegistry,
    setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter, registry: served.client }),
    target: served.target("v1"),
    attrs: (name) => ({ [IMAGE_NAME]: name }),
    artifact: registryArtifact({
      url: served.url,
      inspect: ({ configs }) => {
        const value = (JSON.parse(configs[0]!.bytes.toString("utf8")) as Record<string, unknown>)["moby.buildkit.cache.v0"];
        const records = typeof value === "string" ? (JSON.parse(Buffer.from(value, "base64").toString("utf8")) as unknown[]) : [];
        if (records.length === 0) throw new Error(`the image config carries no inline cache records (moby.buildkit.cache.v0 is ${JSON.stringify(value)})`);
      },
    }),
    requests: served.requests,
    throttle: served.throttle,
    descref: true,
  });
});
