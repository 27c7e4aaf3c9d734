import { describe } from "vitest";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, registryArtifact, skipUnlessTools, type ConformanceOptions } from "@exp/testing";
import { describeExporterConformance, recordedRegistry } from "@exp/testing/vitest";
import { imageExporter, registryExporter } from "./image-exporter.js";

// The push happens in finalize, through a fault proxy whose log shows that create uploads nothing
// and whose delays let the abort check catch a push mid-way. The probe reads the tag's manifest,
// config and layers back from the registry itself and checks every digest.
describe.skipIf(skipUnlessTools("docker-registry"))("against a real registry", () => {
  const served = recordedRegistry(() => createRegistryClient({ limiters: new HostLimiters() }));

  const common: Omit<ConformanceOptions, "exporter" | "attrs"> = {
    setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter, registry: served.client }),
    target: served.target("v1"),
    artifact: registryArtifact({ url: served.url }),
    requests: served.requests,
    throttle: served.throttle,
    descref: true,
  };

  describeExporterConformance({ ...common, name: "image, push=true", exporter: imageExporter, attrs: (name) => ({ name, push: "true" }), reproducible: true });
  describeExporterConformance({ ...common, name: "registry", exporter: registryExporter, attrs: (name) => ({ name }) });
});
