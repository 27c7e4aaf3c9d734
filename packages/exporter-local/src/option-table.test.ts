import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { recordAttrReads, type Exporter } from "@exp/solver";
import { attested, walkRow, type AttrWalkOptions } from "@exp/testing";
import { describeAttrWalk } from "@exp/testing/vitest";
import { localExporter, localExporterKeys, tarExporter, tarExporterKeys } from "./index.js";
import { BUILD_EPOCH, STALE, localRows, tarRows } from "./option-table/rows.js";
import { fingerprint, readTarTree, readTree, type Tree } from "./option-table/tree.js";

// Issue 13, point 2: every key of type=local's and type=tar's option tables, exported with and
// without, and the filesystem compared as BuildKit's would differ (option-table/rows.ts).
let dir: string;
let exports = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-local-option-table-"));
  await mkdir(join(dir, "context", "sub"), { recursive: true });
  await writeFile(join(dir, "context", "sub", "a.txt"), "walk\n");
  await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nCOPY sub /srv/\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function exportWith(exporter: Exporter, attrs: Readonly<Record<string, string>>, variant: string | undefined): Promise<Tree> {
  const n = ++exports;
  const store = await openContentStore(join(dir, "stores", `${n}`));
  const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: BUILD_EPOCH });
  const out = join(dir, "out", `${n}`);
  const dest = exporter === tarExporter ? `${out}.tar` : out;
  if (exporter === localExporter) {
    // What an earlier run left in the destination, with a fixed time so two runs match.
    await mkdir(out, { recursive: true });
    await writeFile(join(out, STALE), "old\n");
    await utimes(join(out, STALE), BUILD_EPOCH, BUILD_EPOCH);
  }
  try {
    await runExport({ source: variant === "attested" ? attested(built.source) : built.source, exporters: [exporter.resolve({ ...attrs, dest })], store });
  } finally {
    await store.leases.release(built.lease);
  }
  return exporter === tarExporter ? readTarTree(dest) : readTree(dest);
}

function options(exporter: Exporter, keys: readonly string[], rows: AttrWalkOptions<Tree>["cases"]): () => AttrWalkOptions<Tree> {
  return () => ({
    name: `exporter ${exporter.type}`,
    keys,
    cases: rows,
    exempt: { dest: "required by every export: where the output goes is what the conformance suite checks" },
    export: (attrs, variant) => exportWith(exporter, attrs, variant),
    fingerprint,
    unread: (attrs) => recordAttrReads(() => exporter.resolve({ ...attrs, dest: join(dir, "unread") })).readers.flatMap((r) => r.unread()),
  });
}

describeAttrWalk("type=local", ["platform-split", "mode", "source-date-epoch", "attestation-prefix"], options(localExporter, localExporterKeys, localRows));
describeAttrWalk("type=tar", ["platform-split", "source-date-epoch", "attestation-prefix"], options(tarExporter, tarExporterKeys, tarRows));

describe("the type=local walk can fail", () => {
  it("fails a local exporter that drops mode= before applying it", async () => {
    const broken = { ...localExporter, resolve: (attrs: Readonly<Record<string, string>>) => localExporter.resolve(Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== "mode"))) };
    const findings = await walkRow(options(broken, localExporterKeys, localRows)(), localRows.find((row) => row.key === "mode")!);
    expect(findings).toEqual([{ key: "mode", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);
});
