import { describe } from "vitest";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, registryArtifact, skipUnlessTools } from "@exp/testing";
import { describeExporterConformance, recordedRegistry } from "@exp/testing/vitest";
import { cacheExporter } from "./registry-cache-exporter.js";

// mode=max (the fixture's store holds no image blobs for mode=min to reuse). The cache is pushed
// in finalize through a recording, throttleable proxy; the probe reads the cache manifest, its
// config and every layer back from the registry and checks each digest.
describe.skipIf(skipUnlessTools("docker-registry"))("against a real registry", () => {
  const served = recordedRegistry(() => createRegistryClient({ limiters: new HostLimiters() }));

  describeExporterConformance({
    name: "cache registry",
    exporter: cacheExporter,
    setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter, registry: served.client }),
    target: served.target("cache"),
    attrs: (ref) => ({ ref, mode: "max" }),
    artifact: registryArtifact({
      url: served.url,
      inspect: ({ manifests }) => {
        const config = (manifests[0] as { config?: { mediaType?: string } }).config;
        if (config?.mediaType !== "application/vnd.buildkit.cacheconfig.v0") throw new Error(`the cache manifest's config is ${JSON.stringify(config)}`);
      },
    }),
    requests: served.requests,
    throttle: served.throttle,
  });
});
