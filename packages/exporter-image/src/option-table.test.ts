import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { HostLimiters, createRegistryClient, type RegistryClient } from "@exp/registry";
import { recordAttrReads, type Exporter } from "@exp/solver";
import { BUILD_EPOCH, attested, fingerprint, skipUnlessTools, startRegistry, walkRow, type AttrWalkOptions, type OciArtifact, type TestRegistry } from "@exp/testing";
import { describeAttrWalk, imageCommitRows } from "@exp/testing/vitest";
import { createImageExporter, imageExporterKeys } from "./image-exporter.js";
import { PLACEHOLDER, failedArtifact, imageArtifact, registryListing } from "./option-table/image-artifact.js";
import { imageRows } from "./option-table/rows.js";

// Issue 13, point 2: every key of type=image's option table, exported with and without, and the
// image, the store's names and the registry compared as BuildKit's would differ.
let dir: string;
let exports = 0;
let baseRegistry: TestRegistry;
let client: RegistryClient;
const amd64 = { os: "linux", architecture: "amd64" };
const rows = [...imageRows, ...imageCommitRows];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-image-option-table-"));
  client = createRegistryClient({ limiters: new HostLimiters() });
  await mkdir(join(dir, "context"), { recursive: true });
  await writeFile(join(dir, "context", "a.txt"), "walk\n");
  await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
  // The base of the on-base variant, a gzip image in a registry.
  baseRegistry = await startRegistry();
  await exportWith(imageExporter(), { name: `${baseRegistry.host}/base:1`, push: "true" }, undefined);
  await mkdir(join(dir, "child"), { recursive: true });
  await writeFile(join(dir, "child", "b.txt"), "child\n");
  await writeFile(join(dir, "child", "Dockerfile"), `FROM ${baseRegistry.host}/base:1\nCOPY b.txt /\n`);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await baseRegistry?.stop();
  await rm(dir, { recursive: true, force: true });
});

const imageExporter = () => createImageExporter("image");

/** Each export: a fresh store (a first CI build), and for the "push" variant a fresh registry. */
async function exportWith(exporter: Exporter, attrs: Readonly<Record<string, string>>, variant: string | undefined): Promise<OciArtifact> {
  const n = ++exports;
  const store = await openContentStore(join(dir, "stores", `${n}`));
  // "push-tls": HTTPS with a self-signed certificate the build's client does not trust.
  const registry = variant === "push" || variant === "push-tls" ? await startRegistry({ tls: variant === "push-tls" }) : undefined;
  try {
    const resolved = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, registry ? v.replaceAll(PLACEHOLDER, registry.host) : v]));
    const onBase = variant === "on-base";
    const built = await buildImage({
      context: join(dir, onBase ? "child" : "context"),
      store,
      registry: client,
      sourceDateEpoch: BUILD_EPOCH,
      platforms: variant === "multi-platform" ? [amd64, { os: "linux", architecture: "arm64" }] : [amd64],
    });
    try {
      const outcome = await runExport({ source: variant === "attested" ? attested(built.source) : built.source, exporters: [exporter.resolve(resolved)], store, registry: client }).catch((error: unknown) => {
        if (variant !== "push-tls") throw error;
        return error instanceof Error ? error : new Error(String(error));
      });
      const listing = (digest?: string) => (registry ? registryListing(registry.url, registry.host, digest, registry.caCert) : Promise.resolve(""));
      if (outcome instanceof Error) return failedArtifact(outcome, await listing());
      return await imageArtifact(store, outcome.response, await listing(outcome.response["containerimage.digest"]!), registry?.host);
    } finally {
      await store.leases.release(built.lease);
    }
  } finally {
    await registry?.stop();
  }
}

function options(exporter: Exporter): AttrWalkOptions<OciArtifact> {
  return {
    name: "exporter image",
    keys: imageExporterKeys,
    cases: rows,
    exempt: {
      unpack: "unpack=true is refused (ERR_INVALID_OPTION: exp has no snapshotter); unpack=false is the default",
      // The walk pushes each export to a fresh registry whose random port lands in the attestation
      // subjects (image purls), so two attested pushes never match byte for byte.
      referrers: "attestations.test.ts pushes with and without it to docker-registry 2.8 and reads the sha256-<hex> referrers tag it makes (and not without it)",
    },
    export: (attrs, variant) => exportWith(exporter, attrs, variant),
    fingerprint,
    unread: (attrs) => recordAttrReads(() => exporter.resolve(attrs)).readers.flatMap((r) => r.unread()),
  };
}

describe.skipIf(skipUnlessTools("docker-registry"))("type=image", () => {
  describeAttrWalk(
    "type=image",
    rows.map((r) => r.key),
    () => options(imageExporter()),
  );

  it("fails an image exporter that drops name-canonical= before applying it", async () => {
    const real = imageExporter();
    const broken: Exporter = { ...real, resolve: (attrs) => real.resolve(Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== "name-canonical"))) };
    const findings = await walkRow(options(broken), imageRows.find((row) => row.key === "name-canonical")!);
    expect(findings).toEqual([{ key: "name-canonical", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);
});
