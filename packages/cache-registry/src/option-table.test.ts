import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheExportKeys } from "@exp/cache-local";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { registryExporter } from "@exp/exporter-image";
import { createRegistryClient, type RegistryClient } from "@exp/registry";
import { recordAttrReads, type CacheExporter } from "@exp/solver";
import { cacheFingerprint, skipUnlessTools, startFaultProxy, startRegistry, walkRow, type AttrWalkOptions, type CacheArtifact, type FaultProxy, type TestRegistry } from "@exp/testing";
import { cacheExportRows, describeAttrWalk } from "@exp/testing/vitest";
import { cacheExporter, registryCacheExportKeys } from "./registry-cache-exporter.js";
import { insecureRow } from "./option-table/insecure-row.js";
import { readRegistryCache } from "./option-table/read-registry-cache.js";

// Issue 13, point 2: every key of --cache-to type=registry's option table, exported with and
// without, and the cache read back from the registry compared as BuildKit's would differ. The
// rows are the ones every cache exporter shares (@exp/testing's cacheExportRows, also walked by
// type=local): BuildKit's remotecache/registry parses the same keys as remotecache/local.
const rows = [...cacheExportRows(cacheExportKeys), insecureRow];
const exempt = {
  ref: "required by every export: where the cache goes is what the conformance suite and registry-cache.test.ts check",
};
let registry: TestRegistry;
/** The "tls" variant's registry: HTTPS with a self-signed certificate the build's client does not trust. */
let tlsRegistry: TestRegistry;
let proxy: FaultProxy;
let client: RegistryClient;
let dir: string;
let exports = 0;
let baseRef: string;

describe.skipIf(skipUnlessTools("docker-registry"))("registry cache option table", () => {
  beforeAll(async () => {
    [registry, tlsRegistry] = await Promise.all([startRegistry(), startRegistry({ tls: true })]);
    // "broken-dest" pushes through a proxy that refuses every manifest: the export fails at its end.
    proxy = await startFaultProxy({ target: registry.url });
    proxy.setRules([{ match: { method: "PUT", path: /\/manifests\// }, fault: { type: "status", status: 403 } }]);
    client = createRegistryClient({ insecure: [registry.host, proxy.host] });
    dir = await mkdtemp(join(tmpdir(), "exp-cache-registry-option-table-"));
    const context = join(dir, "context");
    await mkdir(join(context, "assets"), { recursive: true });
    await writeFile(join(context, "assets", "logo.svg"), "<svg/>");
    await writeFile(join(context, "app.js"), "console.log(1)");
    await writeFile(join(context, "Dockerfile"), "FROM scratch AS assets\nCOPY assets/ /assets/\nFROM scratch\nCOPY app.js /app/\nCOPY --from=assets /assets /srv/assets\n");
    // The base of the on-base variant: a gzip image of two layers in the same registry.
    const store = await openContentStore(join(dir, "stores", "base"));
    const built = await buildImage({ context, store, sourceDateEpoch: 1_700_000_000 });
    const outcome = await runExport({ source: built.source, exporters: [registryExporter.resolve({ name: `${registry.host}/walk/base:1` })], store, registry: client });
    await store.leases.release(built.lease);
    baseRef = `${registry.host}/walk/base@${outcome.response["containerimage.digest"]}`;
    await mkdir(join(dir, "child"), { recursive: true });
    await writeFile(join(dir, "child", "b.txt"), "child\n");
    await writeFile(join(dir, "child", "Dockerfile"), "FROM base\nCOPY b.txt /\n");
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await registry?.stop();
    await tlsRegistry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describeAttrWalk("--cache-to type=registry", registryCacheExportKeys.filter((k) => !Object.hasOwn(exempt, k)), () => options(cacheExporter));

  it("fails a cache exporter that drops compression before applying it", async () => {
    const broken: CacheExporter = { ...cacheExporter, resolve: (attrs) => cacheExporter.resolve(Object.fromEntries(Object.entries(attrs).filter(([k]) => k !== "compression"))) };
    const findings = await walkRow(options(broken), rows.find((row) => row.key === "compression")!);
    expect(findings).toEqual([{ key: "compression", problem: expect.stringContaining("changes nothing in the artifact") }]);
  }, 60_000);
});

/** Each export pushes to a repository of its own; the variants are cacheExportRows'. */
async function exportWith(exporter: CacheExporter, attrs: Readonly<Record<string, string>>, variant: string | undefined): Promise<CacheArtifact> {
  const n = ++exports;
  const store = await openContentStore(join(dir, "stores", `${n}`));
  const repository = `walk/cache-${n}`;
  const target = variant === "tls" ? tlsRegistry : registry;
  const host = variant === "broken-dest" ? proxy.host : target.host;
  const onBase = variant === "on-base";
  const built = await buildImage({
    context: join(dir, onBase ? "child" : "context"),
    store,
    sourceDateEpoch: 1_700_000_000,
    registry: client,
    ...(onBase ? { namedContexts: { base: { kind: "image" as const, ref: baseRef } } } : {}),
  });
  let error: string | undefined;
  try {
    await runExport({
      source: built.source,
      exporters: variant === "with-image" ? [registryExporter.resolve({ name: `${registry.host}/walk/image-${n}:v1` })] : [],
      cacheExporters: [exporter.resolve({ ...attrs, ref: `${host}/${repository}:cache` })],
      store,
      registry: client,
    });
  } catch (failure) {
    error = (failure as { code?: string }).code ?? (failure as Error).name;
  } finally {
    await store.leases.release(built.lease);
  }
  return { ...(error === undefined ? {} : { error }), files: await readRegistryCache(target, repository, "cache") };
}

function options(exporter: CacheExporter): AttrWalkOptions<CacheArtifact> {
  return {
    name: "cache exporter registry",
    keys: registryCacheExportKeys,
    cases: rows,
    exempt,
    export: (attrs, variant) => exportWith(exporter, attrs, variant),
    fingerprint: cacheFingerprint,
    unread: (attrs) => recordAttrReads(() => exporter.resolve({ ...attrs, ref: "registry.example/walk:unread" })).readers.flatMap((r) => r.unread()),
  };
}
