import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { conformanceSetup, describeExporterConformance } from "@exp/testing";
import { ociExporter } from "./oci-exporter.js";

describeExporterConformance({
  exporter: ociExporter,
  attrs: (dir) => ({ dest: `${dir}.tar`, name: "example.invalid/conformance:v1" }),
  recordsHistory: true,
  reproducible: true,
  // runExport takes an ExportSource; the suite passes back the source setup() made, typed loosely.
  runExport: runExport as never,
  setup: conformanceSetup({ openContentStore, buildImage }),
});
