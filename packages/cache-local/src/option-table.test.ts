import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { ociExporter } from "@exp/exporter-oci";
import { recordAttrReads, type CacheExporter } from "@exp/solver";
import { cacheFingerprint, readCacheDir, walkRow, type AttrWalkOptions, type CacheArtifact } from "@exp/testing";
import { describeAttrWalk } from "@exp/testing/vitest";
import { cacheExporter, localCacheExportKeys } from "./local-cache-exporter.js";
import { STALE_BLOB, localCacheRows } from "./option-table/rows.js";

// Issue 13, point 2: every key of --cache-to type=local's option table, exported with and
// without, and the cache directory compared as BuildKit's would differ (option-table/rows.ts).
let dir: string;
let exports = 0;
let baseRef: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-cache-local-option-table-"));
  const context = join(dir, "context");
  await mkdir(join(context, "assets"), { recursive: true });
  await writeFile(join(context, "assets", "logo.svg"), "<svg/>");
  await writeFile(join(context, "app.js"), "console.log(1)");
  await writeFile(join(context, "Dockerfile"), "FROM scratch AS assets\nCOPY assets/ /assets/\nFROM scratch\nCOPY app.js /app/\nCOPY --from=assets /assets /srv/assets\n");
  // The base of the on-base variant: a gzip image in an OCI layout, used as a named context.
  const store = await openContentStore(join(dir, "stores", "base"));
  const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
  const layout = join(dir, "base-layout");
  const outcome = await runExport({ source: built.source, exporters: [ociExporter.resolve({ dest: layout, tar: "false" })], store });
  await store.leases.release(built.lease);
  baseRef = `oci-layout://${layout}@${outcome.response["containerimage.digest"]}`;
  await mkdir(join(dir, "child"), { recursive: true });
  await writeFile(join(dir, "child", "b.txt"), "child\n");
  await writeFile(join(dir, "child", "Dockerfile"), "FROM base\nCOPY b.txt /\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Variants: "with-image" runs an oci image export beside the cache; "on-base" builds FROM a gzip base image; "stale" and "broken-dest" prepare the destination. */
async function exportWith(exporter: CacheExporter, attrs: Readonly<Record<string, string>>, variant: string | undefined): Promise<CacheArtifact> {
  const n = ++exports;
  const store = await openContentStore(join(dir, "stores", `${n}`));
  const dest = join(dir, "out", `${n}`, "cache");
  if (variant === "stale") {
    await mkdir(dirname(join(dest, STALE_BLOB)), { recursive: true });
    await writeFile(join(dest, STALE_BLOB), "stale");
    await writeFile(join(dest, "index.json"), '{"schemaVersion":2,"manifests":[]}');
    await writeFile(join(dest, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  }
  if (variant === "broken-dest") {
    await mkdir(dest, { recursive: true });
    await writeFile(join(dest, "blobs"), "a file where the blobs directory goes");
  }
  const onBase = variant === "on-base";
  const built = await buildImage({
    context: join(dir, onBase ? "child" : "context"),
    store,
    sourceDateEpoch: 1_700_000_000,
    ...(onBase ? { namedContexts: { base: { kind: "image" as const, ref: baseRef } } } : {}),
  });
  let error: string | undefined;
  try {
    await runExport({
      source: built.source,
      exporters: variant === "with-image" ? [ociExporter.resolve({ dest: join(dir, "out", `${n}`, "image.tar") })] : [],
      cacheExporters: [exporter.resolve({ ...attrs, dest })],
      store,
    });
  } catch (failure) {
    error = (failure as { code?: string }).code ?? (failure as Error).name;
  } finally {
    await store.leases.release(built.lease);
  }
  return { ...(error === undefined ? {} : { error }), files: await readCacheDir(dest) };
}

function options(exporter: CacheExporter): AttrWalkOptions<CacheArtifact> {
  return {
    name: "cache exporter local",
    keys: localCacheExportKeys,
    cases: localCacheRows,
    exempt: { dest: "required by every export: where the cache goes is what the conformance suite checks" },
    export: (attrs, variant) => exportWith(exporter, attrs, variant),
    fingerprint: cacheFingerprint,
    unread: (attrs) => recordAttrReads(() => exporter.resolve({ ...attrs, dest: join(dir, "unread") })).readers.flatMap((r) => r.unread()),
  };
}

describeAttrWalk("--cache-to type=local", localCacheExportKeys.filter((k) => k !== "dest"), () => options(cacheExporter));

describe("the cache local walk can fail", () => {
  it("fails a cache exporter that drops tag= before applying it", async () => {
    const broken: CacheExporter = { ...cacheExporter, resolve: (attrs) => cacheExporter.resolve(Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== "tag"))) };
    const findings = await walkRow(options(broken), localCacheRows.find((row) => row.key === "tag")!);
    expect(findings).toEqual([{ key: "tag", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);
});
