import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { conformanceSetup, describeExporterConformance } from "@exp/testing";
import { imageExporter } from "./image-exporter.js";

describeExporterConformance({
  exporter: imageExporter,
  attrs: () => ({ name: "example.invalid/conformance:v1" }),
  recordsHistory: true,
  reproducible: true,
  // runExport takes an ExportSource; the suite passes back the source setup() made, typed loosely.
  runExport: runExport as never,
  setup: conformanceSetup({ openContentStore, buildImage }),
});
