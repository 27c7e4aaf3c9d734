import { describe, expect, it } from "vitest";

/**
 * The shared exporter conformance suite. Every exporter package (and any third-party one) runs it
 * against its own exporter, so the guarantees of the two-phase contract are checked the same way
 * everywhere. It is written against the shapes of @exp/solver, @exp/content and
 * @exp/coordinator without importing them (they use this package in their own tests), so the
 * caller passes the three functions it needs.
 */
export interface ConformanceStore {
  leases: { list(): Promise<unknown[]> };
  history: { get(id: string): Promise<{ results: Array<{ digest: string }> } | undefined> };
}

export interface ConformanceExporter {
  readonly type: string;
  resolve(attrs: Record<string, string>): { readonly type: string; readonly name: string; export: unknown };
}

export interface ConformanceOptions<Store extends ConformanceStore> {
  /** The exporter under test. */
  exporter: ConformanceExporter;
  /** Valid attributes for one export into `dir` (a fresh temp directory per test). */
  attrs: (dir: string) => Record<string, string>;
  /** A fresh store, the source to export, and a way to release what building it holds. */
  setup: () => Promise<{ store: Store; source: unknown; dir: string; cleanup: () => Promise<void> }>;
  /** @exp/coordinator's runExport. */
  runExport: (options: {
    source: unknown;
    exporters: unknown[];
    store: Store;
    buildId?: string;
    signal?: AbortSignal;
    onProgress?: (event: { type: string; status?: string }) => void;
  }) => Promise<{ response: Record<string, string>; results: Array<{ digest: string }> }>;
  /** Whether the exporter promises a root descriptor (a descref) for history; image-like exporters do. */
  recordsHistory: boolean;
  /** Whether two exports of one source give the same `containerimage.digest` (true with SOURCE_DATE_EPOCH). */
  reproducible?: boolean;
}

export function describeExporterConformance<Store extends ConformanceStore>(options: ConformanceOptions<Store>): void {
  const { exporter } = options;
  describe(`exporter conformance: ${exporter.type}`, () => {
    it("resolves to an instance of its own type with a progress name", async () => {
      const { dir, cleanup } = await options.setup();
      try {
        const instance = exporter.resolve(options.attrs(dir));
        expect(instance.type).toBe(exporter.type);
        expect(instance.name.length).toBeGreaterThan(0);
        expect(typeof instance.export).toBe("function");
      } finally {
        await cleanup();
      }
    });

    it("rejects an unknown attribute with ERR_UNKNOWN_OPTION naming it", async () => {
      const { dir, cleanup } = await options.setup();
      try {
        let failure: unknown;
        try {
          exporter.resolve({ ...options.attrs(dir), "no-such-option-xyz": "1" });
        } catch (error) {
          failure = error;
        }
        expect(failure).toMatchObject({ code: "ERR_UNKNOWN_OPTION" });
        expect((failure as Error).message).toContain("no-such-option-xyz");
      } finally {
        await cleanup();
      }
    });

    it("exports under the coordinator and leaves no lease behind", async () => {
      const { store, source, dir, cleanup } = await options.setup();
      try {
        const outcome = await options.runExport({ source, exporters: [exporter.resolve(options.attrs(dir))], store, buildId: "conformance" });
        expect(await store.leases.list()).toEqual([]);
        const record = await store.history.get("conformance");
        if (options.recordsHistory) {
          expect(outcome.results).toHaveLength(1);
          expect(record?.results.map((r) => r.digest)).toEqual(outcome.results.map((r) => r.digest));
          expect(outcome.response["containerimage.digest"]).toBe(outcome.results[0]!.digest);
        } else {
          expect(record?.results ?? []).toEqual([]);
        }
      } finally {
        await cleanup();
      }
    });

    it("cancelled while it runs, it fails with ERR_ABORTED or finishes, and releases every lease either way", async () => {
      const { store, source, dir, cleanup } = await options.setup();
      try {
        const controller = new AbortController();
        const outcome = await options
          .runExport({
            source,
            exporters: [exporter.resolve(options.attrs(dir))],
            store,
            signal: controller.signal,
            // Cancel as soon as the exporter's vertex starts: mid-create.
            onProgress: (event) => {
              if (event.type === "vertex" && event.status === "started") controller.abort(new Error("cancelled by the conformance suite"));
            },
          })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        if (outcome !== undefined) expect(outcome).toMatchObject({ code: "ERR_ABORTED" });
        expect(await store.leases.list()).toEqual([]);
      } finally {
        await cleanup();
      }
    });

    if (options.reproducible) {
      it("gives the same image digest when the same source is exported twice", async () => {
        const { store, source, dir, cleanup } = await options.setup();
        try {
          const first = await options.runExport({ source, exporters: [exporter.resolve(options.attrs(`${dir}/one`))], store });
          const second = await options.runExport({ source, exporters: [exporter.resolve(options.attrs(`${dir}/two`))], store });
          expect(second.response["containerimage.digest"]).toBe(first.response["containerimage.digest"]);
        } finally {
          await cleanup();
        }
      });
    }
  });
}
