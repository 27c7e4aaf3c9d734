import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, ociArchiveArtifact, ociLayoutArtifact } from "@exp/testing";
import { describeExporterConformance } from "@exp/testing/vitest";
import { dockerExporter, ociExporter } from "./oci-exporter.js";

// Both types write their archive (or layout) in the create phase, as BuildKit's do: local I/O,
// nothing to finalize. The archive is unpacked with tar and every blob checked against its digest.
const setup = conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter });
const name = "example.invalid/conformance:v1";

describeExporterConformance({
  name: "oci (archive)",
  exporter: ociExporter,
  setup,
  attrs: (dest) => ({ dest, name }),
  artifact: ociArchiveArtifact(),
  writes: "create",
  descref: true,
  reproducible: true,
});

describeExporterConformance({
  name: "oci (layout directory, tar=false)",
  exporter: ociExporter,
  setup,
  attrs: (dest) => ({ dest, name, tar: "false" }),
  artifact: ociLayoutArtifact({ refName: "v1" }),
  writes: "create",
  descref: true,
});

describeExporterConformance({
  name: "docker",
  exporter: dockerExporter,
  setup,
  attrs: (dest) => ({ dest, name }),
  artifact: ociArchiveArtifact({
    // docker load reads manifest.json: every file it names must be in the archive.
    inspectFiles: async (dir) => {
      const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Array<{ Config: string; Layers: string[]; RepoTags?: string[] }>;
      if (manifest.length !== 1 || manifest[0]!.RepoTags?.[0] !== name) throw new Error(`manifest.json is ${JSON.stringify(manifest)}`);
      for (const file of [manifest[0]!.Config, ...manifest[0]!.Layers]) await stat(join(dir, file));
    },
  }),
  writes: "create",
  descref: true,
});
