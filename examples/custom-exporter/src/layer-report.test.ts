import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { UnknownOptionError } from "@exp/errors";
import { LayerBlobs, createRef, tarballLayer, type ExportSource } from "@exp/solver";
import { exporter } from "./index.js";

let dir: string;
let store: ContentStore;
let source: ExportSource;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-plugin-"));
  store = await openContentStore(join(dir, "store"));
  const layers = [];
  for (const [i, text] of ["base files ".repeat(500), "app files ".repeat(800)].entries()) {
    await writeFile(join(dir, `l${i}.tar`), text);
    layers.push(await tarballLayer(join(dir, `l${i}.tar`)));
  }
  const platform = { os: "linux", architecture: "arm64" };
  source = { results: [{ platform, ref: createRef(layers), config: { ...platform } }], multiPlatform: false, metadata: {} };
});

afterEach(() => rm(dir, { recursive: true, force: true }));

describe("layer-report example exporter", () => {
  it("runs under the coordinator like a built-in exporter", async () => {
    const dest = join(dir, "report.json");
    const blobs = new LayerBlobs(store);
    const outcome = await runExport({ source, store, blobs, exporters: [exporter.resolve({ dest, compression: "zstd" })], buildId: "b1" });
    const report = JSON.parse(await readFile(dest, "utf8"));
    expect(report.build).toBe("b1");
    expect(report.platforms[0].layers.map((l: { diffID: string }) => l.diffID)).toEqual(source.results[0]!.ref.layers.map((l) => l.diffID));
    expect(report.platforms[0].layers.every((l: { compression: string }) => l.compression === "zstd")).toBe(true);
    expect(outcome.response["layer-report.digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await store.history.get("b1"))?.results).toHaveLength(1);
    expect(blobs.stats.created).toBe(2);
  });

  it("validates its own attributes", () => {
    expect(() => exporter.resolve({ dest: "x", compresion: "zstd" })).toThrow(UnknownOptionError);
    expect(() => exporter.resolve({ dest: "x", compresion: "zstd" })).toThrow(/did you mean "compression"/);
    expect(() => exporter.resolve({})).toThrow(/"dest" is required/);
    expect(() => exporter.resolve({ dest: "x", compression: "brotli" })).toThrow(/one of gzip, zstd, uncompressed/);
  });
});
