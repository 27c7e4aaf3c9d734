import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { conformanceSetup, describeExporterConformance } from "@exp/testing";
import { localExporter, tarExporter } from "./index.js";

describeExporterConformance({
  exporter: localExporter,
  attrs: (dir) => ({ dest: `${dir}/out` }),
  recordsHistory: false,
  // runExport takes an ExportSource; the suite passes back the source setup() made, typed loosely.
  runExport: runExport as never,
  setup: conformanceSetup({ openContentStore, buildImage }),
});

describeExporterConformance({
  exporter: tarExporter,
  attrs: (dir) => ({ dest: `${dir}/out.tar` }),
  recordsHistory: false,
  // runExport takes an ExportSource; the suite passes back the source setup() made, typed loosely.
  runExport: runExport as never,
  setup: conformanceSetup({ openContentStore, buildImage }),
});
