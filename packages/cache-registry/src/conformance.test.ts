import { afterAll, beforeAll, describe } from "vitest";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { HostLimiters, createRegistryClient, type RegistryClient } from "@exp/registry";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, describeExporterConformance, registryArtifact, skipUnlessTools, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from "@exp/testing";
import { cacheExporter } from "./registry-cache-exporter.js";

// mode=max (the fixture's store holds no image blobs for mode=min to reuse). The cache is pushed
// in finalize through a recording, throttleable proxy; the probe reads the cache manifest, its
// config and every layer back from the registry and checks each digest.
describe.skipIf(skipUnlessTools("docker-registry"))("against a real registry", () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
    client = createRegistryClient({ limiters: new HostLimiters() });
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await registry?.stop();
  });

  describeExporterConformance({
    name: "cache registry",
    exporter: cacheExporter,
    setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter, registry: () => client }),
    target: ({ id }) => `${proxy.host}/conformance/${id}:cache`,
    attrs: (ref) => ({ ref, mode: "max" }),
    artifact: registryArtifact({
      url: () => registry.url,
      inspect: ({ manifests }) => {
        const config = (manifests[0] as { config?: { mediaType?: string } }).config;
        if (config?.mediaType !== "application/vnd.buildkit.cacheconfig.v0") throw new Error(`the cache manifest's config is ${JSON.stringify(config)}`);
      },
    }),
    requests: () => proxy.stats.log,
    throttle: () => {
      proxy.setRules([{ every: true, fault: { type: "delay", ms: 3000 } }]);
      return async () => proxy.setRules([]);
    },
  });
});
