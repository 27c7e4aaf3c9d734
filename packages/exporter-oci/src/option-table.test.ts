import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { recordAttrReads, type Exporter } from "@exp/solver";
import { BUILD_EPOCH, attested, fingerprint, readOciArtifact, rootDescriptor, walkRow, type AttrWalkOptions, type OciArtifact } from "@exp/testing";
import { describeAttrWalk } from "@exp/testing/vitest";
import { dockerExporter, ociExporter, ociExporterKeys } from "./oci-exporter.js";
import { dockerExempt, dockerRows } from "./option-table/docker-rows.js";
import { ociRows } from "./option-table/rows.js";

// Issue 13, point 2: every key of type=oci's option table, exported with and without, and the
// artifact compared as BuildKit's would differ (option-table/rows.ts says how, row by row).
let dir: string;
let baseRef: string;
let exports = 0;

const amd64 = { os: "linux", architecture: "amd64" };

// Each export gets a store of its own, as a first build on a CI runner: BuildKit reuses a layer's
// blob of the asked compression whatever its level (compression-level applies to new blobs only),
// so on a shared store the walk would compare an export with the blob of the one before.
async function exportWith(attrs: Readonly<Record<string, string>>, variant: string | undefined, exporter: Exporter = ociExporter): Promise<OciArtifact> {
  const onBase = variant === "on-base";
  const n = ++exports;
  const store = await openContentStore(join(dir, "stores", `${n}`));
  const built = await buildImage({
    context: join(dir, onBase ? "child" : "context"),
    store,
    sourceDateEpoch: BUILD_EPOCH,
    platforms: variant === "multi-platform" ? [amd64, { os: "linux", architecture: "arm64" }] : [amd64],
    ...(onBase ? { namedContexts: { base: { kind: "image" as const, ref: baseRef } } } : {}),
  });
  const kind = attrs.tar === "false" ? "dir" : "tar";
  const dest = join(dir, "out", `${n}`, kind === "dir" ? "layout" : "image.tar");
  try {
    await runExport({ source: variant === "attested" ? attested(built.source) : built.source, exporters: [exporter.resolve({ ...attrs, dest })], store });
  } finally {
    await store.leases.release(built.lease);
  }
  return readOciArtifact(dest, kind);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-oci-option-table-"));
  await mkdir(join(dir, "context"), { recursive: true });
  await writeFile(join(dir, "context", "a.txt"), "walk\n");
  await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
  // The base of the on-base variant: a gzip image in an OCI layout, used as a named context.
  const base = await exportWith({ tar: "false" }, undefined);
  baseRef = `oci-layout://${join(dir, "out", `${exports}`, "layout")}@${rootDescriptor(base).digest}`;
  await mkdir(join(dir, "child"), { recursive: true });
  await writeFile(join(dir, "child", "b.txt"), "child\n");
  await writeFile(join(dir, "child", "Dockerfile"), "FROM base\nCOPY b.txt /\n");
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const options = (): AttrWalkOptions<OciArtifact> => ({
  name: "exporter oci",
  keys: ociExporterKeys,
  cases: ociRows,
  exempt: { dest: "required by every export: where the artifact goes is what the conformance suite checks, not a difference in it" },
  export: exportWith,
  fingerprint,
  unread: (attrs) => recordAttrReads(() => ociExporter.resolve({ ...attrs, dest: join(dir, "unread.tar") })).readers.flatMap((r) => r.unread()),
});

describeAttrWalk("type=oci", ociExporterKeys.filter((k) => k !== "dest"), options);

// type=docker shares the option table and the writer: the same rows but those needing an index,
// read from the docker archive (manifest.json beside the OCI layout, as BuildKit's).
const dockerOptions = (): AttrWalkOptions<OciArtifact> => ({
  name: "exporter docker",
  keys: ociExporterKeys,
  cases: dockerRows,
  exempt: dockerExempt,
  export: (attrs, variant) => exportWith(attrs, variant, dockerExporter),
  fingerprint,
  unread: (attrs) => recordAttrReads(() => dockerExporter.resolve({ ...attrs, dest: join(dir, "unread.tar") })).readers.flatMap((r) => r.unread()),
});

describeAttrWalk("type=docker", ociExporterKeys.filter((k) => !Object.hasOwn(dockerExempt, k)), dockerOptions);

describe("the type=oci walk can fail", () => {
  it("fails an oci exporter that drops compression= before applying it", async () => {
    const dropping = async (attrs: Readonly<Record<string, string>>, variant: string | undefined) => {
      const { compression: _dropped, ...rest } = attrs;
      return exportWith(rest, variant);
    };
    const findings = await walkRow({ ...options(), export: dropping }, ociRows.find((row) => row.key === "compression")!);
    expect(findings).toEqual([{ key: "compression", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);

  it("fails a docker exporter that drops name= before applying it", async () => {
    const dropping = async (attrs: Readonly<Record<string, string>>, variant: string | undefined) => {
      const { name: _dropped, ...rest } = attrs;
      return exportWith(rest, variant, dockerExporter);
    };
    const findings = await walkRow({ ...dockerOptions(), export: dropping }, dockerRows.find((row) => row.key === "name")!);
    expect(findings).toEqual([{ key: "name", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);
});
