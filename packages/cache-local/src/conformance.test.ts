import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, ociLayoutArtifact } from "@exp/testing";
import { describeExporterConformance } from "@exp/testing/vitest";
import { cacheExporter } from "./local-cache-exporter.js";

// mode=max: the fixture's store has no image blobs for mode=min to reuse (no image exporter ran),
// so only max exports anything. The cache directory is an OCI layout: the probe follows the
// `latest` entry of index.json to the cache manifest, its config and every layer, by digest.
describeExporterConformance({
  name: "cache local",
  exporter: cacheExporter,
  setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter }),
  attrs: (dest) => ({ dest, mode: "max" }),
  artifact: ociLayoutArtifact({ refName: "latest" }),
});
