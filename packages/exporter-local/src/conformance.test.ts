import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, pathArtifact, runTool, verifyConformanceFiles } from "@exp/testing";
import { describeExporterConformance } from "@exp/testing/vitest";
import { localExporter, tarExporter } from "./index.js";

// Both write their output in the create phase (local I/O, as BuildKit's) and return no descref
// and no finalize. The output is the image's filesystem, checked file by file; anything else left
// beside the destination (a work directory, a temp tarball) counts as a partial artifact.
const setup = conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter });

describeExporterConformance({
  exporter: localExporter,
  setup,
  attrs: (dest) => ({ dest }),
  artifact: pathArtifact((dest) => verifyConformanceFiles(dest)),
  writes: "create",
});

describeExporterConformance({
  exporter: tarExporter,
  setup,
  attrs: (dest) => ({ dest }),
  artifact: pathArtifact(async (dest, { signal }) => {
    const dir = await mkdtemp(join(tmpdir(), "exp-conformance-tar-"));
    try {
      await runTool("tar", ["-xf", dest, "-C", dir], { signal });
      await verifyConformanceFiles(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }),
  writes: "create",
});
