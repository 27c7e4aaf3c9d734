import { readFile } from "node:fs/promises";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, pathArtifact } from "@exp/testing";
import { describeExporterConformance } from "@exp/testing/vitest";
import { exporter } from "./index.js";

// What a plugin's own test file looks like: the shared conformance suite, given how to build a
// fixture (conformanceSetup with the workspace's content store, Dockerfile front end and solver),
// valid attributes for a destination, and how to check the artifact there. The report is
// delivered in finalize; `pathArtifact` also counts a temp file left beside it as a partial report.
describeExporterConformance({
  name: "@exp/example-custom-exporter",
  exporter,
  setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter }),
  attrs: (dest) => ({ dest }),
  artifact: pathArtifact(async (dest) => {
    const report = JSON.parse(await readFile(dest, "utf8")) as { build?: string; platforms?: Array<{ layers: Array<{ blob: string }> }> };
    const layers = report.platforms?.[0]?.layers ?? [];
    // The conformance image has a layer for its WORKDIR and one for each of its two COPYs.
    if (report.build !== "conformance" || layers.length !== 3 || !layers.every((l) => /^sha256:[0-9a-f]{64}$/.test(l.blob))) {
      throw new Error(`${dest} is not the report of the conformance build: ${JSON.stringify(report).slice(0, 300)}`);
    }
  }),
  descref: true,
});
