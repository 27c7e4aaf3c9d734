import { afterAll, beforeAll, describe } from "vitest";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { HostLimiters, createRegistryClient, type RegistryClient } from "@exp/registry";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import {
  conformanceSetup,
  describeExporterConformance,
  registryArtifact,
  skipUnlessTools,
  startFaultProxy,
  startRegistry,
  type ConformanceOptions,
  type FaultProxy,
  type TestRegistry,
} from "@exp/testing";
import { imageExporter, registryExporter } from "./image-exporter.js";

// The push happens in finalize, through a fault proxy whose log shows that create uploads nothing
// and whose delays let the abort check catch a push mid-way. The probe reads the tag's manifest,
// config and layers back from the registry itself and checks every digest.
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

  const common: Omit<ConformanceOptions, "exporter" | "attrs"> = {
    setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter, registry: () => client }),
    target: ({ id }) => `${proxy.host}/conformance/${id}:v1`,
    artifact: registryArtifact({ url: () => registry.url }),
    requests: () => proxy.stats.log,
    throttle: () => {
      proxy.setRules([{ every: true, fault: { type: "delay", ms: 3000 } }]);
      return async () => proxy.setRules([]);
    },
    descref: true,
  };

  describeExporterConformance({ ...common, name: "image, push=true", exporter: imageExporter, attrs: (name) => ({ name, push: "true" }), reproducible: true });
  describeExporterConformance({ ...common, name: "registry", exporter: registryExporter, attrs: (name) => ({ name }) });
});
