import { join } from "node:path";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { describeExporterConformance, writeConformanceContext } from "@exp/testing";
import { localExporter, tarExporter } from "./index.js";

describeExporterConformance({
  exporter: localExporter,
  attrs: (dir) => ({ dest: `${dir}/out` }),
  recordsHistory: false,
  // runExport takes an ExportSource; the suite passes back the source setup() made, typed loosely.
  runExport: runExport as never,
  async setup() {
    const fixture = await writeConformanceContext();
    const store = await openContentStore(join(fixture.dir, "store"));
    const built = await buildImage({ context: fixture.context, store, sourceDateEpoch: 1_700_000_000 });
    await store.leases.release(built.lease);
    return { store, source: built.source, dir: fixture.dir, cleanup: fixture.cleanup };
  },
});

describeExporterConformance({
  exporter: tarExporter,
  attrs: (dir) => ({ dest: `${dir}/out.tar` }),
  recordsHistory: false,
  // runExport takes an ExportSource; the suite passes back the source setup() made, typed loosely.
  runExport: runExport as never,
  async setup() {
    const fixture = await writeConformanceContext();
    const store = await openContentStore(join(fixture.dir, "store"));
    const built = await buildImage({ context: fixture.context, store, sourceDateEpoch: 1_700_000_000 });
    await store.leases.release(built.lease);
    return { store, source: built.source, dir: fixture.dir, cleanup: fixture.cleanup };
  },
});
