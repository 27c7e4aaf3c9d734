import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cacheExporter as localCache } from "@exp/cache-local";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { registryExporter } from "@exp/exporter-image";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { ProgressReporter, type ImportedCache } from "@exp/solver";
import { skipUnlessTools, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from "@exp/testing";
import { cacheExporter } from "./registry-cache-exporter.js";
import { cacheImporter } from "./registry-cache-importer.js";

describe.skipIf(skipUnlessTools("docker-registry", "skopeo"))("registry cache", () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let dir: string;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
    dir = await mkdtemp(join(tmpdir(), "exp-cache-registry-"));
    const context = join(dir, "context");
    await mkdir(join(context, "assets"), { recursive: true });
    await writeFile(join(context, "assets", "logo.svg"), "<svg/>");
    await writeFile(join(context, "app.js"), "console.log(1)");
    await writeFile(join(context, "Dockerfile"), "FROM scratch AS assets\nCOPY assets/ /assets/\nFROM scratch\nCOPY app.js /app/\nCOPY --from=assets /assets /srv/assets\n");
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const client = () => createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });

  let firstDigest = "";

  it("pushes image and cache to one registry in parallel, each blob uploaded once, in BuildKit's format", async () => {
    proxy.reset();
    const store = await openContentStore(join(dir, "store-1"));
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
    const c = client();
    const outcome = await runExport({
      source: built.source,
      exporters: [registryExporter.resolve({ name: `${proxy.host}/app/site:v1` })],
      cacheExporters: [cacheExporter.resolve({ ref: `${proxy.host}/app/site:cache`, mode: "max" })],
      store,
      registry: c,
    });
    await store.leases.release(built.lease);
    firstDigest = outcome.response["containerimage.digest"]!;
    const finalizes = outcome.timeline.filter((e) => e.phase === "finalize" || e.phase === "cache-finalize");
    expect(finalizes).toHaveLength(2);
    const manifest = JSON.parse(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/app/site:cache`], { encoding: "utf8" }));
    expect(manifest.config.mediaType).toBe("application/vnd.buildkit.cacheconfig.v0");
    expect(manifest.layers).toHaveLength(3);
    // Every blob's bytes crossed the wire once: uploads are unique by digest.
    const uploads = proxy.stats.log.filter((e) => e.method === "PUT" && e.path.includes("/blobs/uploads/")).map((e) => /digest=([^&]+)/.exec(e.path)![1]);
    expect(new Set(uploads).size).toBe(uploads.length);
    await c.close();
  });

  it("a wiped store rebuilds from the registry cache; the push mounts the cached layers, downloading none", async () => {
    const store = await openContentStore(join(dir, "store-2"));
    const c = client();
    const cache = (await cacheImporter.resolve({ ref: `${proxy.host}/app/site:cache` }).load({ store, registry: c, progress: ProgressReporter.root(undefined), signal: new AbortController().signal })) as ImportedCache;
    expect(cache.results.size).toBe(3);
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000, registry: c, cacheFrom: [cache] });
    expect(built.cached).toBe(true);
    proxy.reset();
    const outcome = await runExport({ source: built.source, exporters: [registryExporter.resolve({ name: `${proxy.host}/app/other:v1` })], store, registry: c });
    await store.leases.release(built.lease);
    expect(proxy.stats.log.filter((e) => e.method === "GET" && e.path.includes("/blobs/"))).toEqual([]);
    expect(proxy.stats.log.filter((e) => e.method === "POST" && e.path.includes("mount=")).length).toBe(2);
    expect(JSON.parse(execFileSync("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/app/other:v1`], { encoding: "utf8" })).Digest).toBe(outcome.response["containerimage.digest"]);
    // The same image as the first build's.
    expect(outcome.response["containerimage.digest"]).toBe(firstDigest);
    await c.close();
  });

  it("a rebuild from the imported cache pushes image and cache again with no HEAD for a blob the import named", async () => {
    const store = await openContentStore(join(dir, "store-rebuild"));
    const c = client();
    const cacheRef = `${proxy.host}/app/site:cache`;
    const cache = (await cacheImporter.resolve({ ref: cacheRef }).load({ store, registry: c, progress: ProgressReporter.root(undefined), signal: new AbortController().signal })) as ImportedCache;
    const imported = JSON.parse(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/app/site:cache`], { encoding: "utf8" })) as { config: { digest: string }; layers: Array<{ digest: string }> };
    const named = new Set([imported.config.digest, ...imported.layers.map((l) => l.digest)]);
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000, registry: c, cacheFrom: [cache] });
    proxy.reset();
    await runExport({
      source: built.source,
      // A new tag where the cache is, and a new repository.
      exporters: [registryExporter.resolve({ name: `${proxy.host}/app/site:v2` }), registryExporter.resolve({ name: `${proxy.host}/app/rebuilt:v1` })],
      cacheExporters: [cacheExporter.resolve({ ref: `${proxy.host}/app/site:cache-2`, mode: "max" })],
      store,
      registry: c,
    });
    await store.leases.release(built.lease);
    const heads = proxy.stats.log.filter((e) => e.method === "HEAD" && named.has(/\/blobs\/(sha256:[0-9a-f]+)/.exec(e.path)?.[1] ?? ""));
    expect(heads.map((e) => e.path)).toEqual([]);
    expect(proxy.stats.log.filter((e) => e.method === "GET" && e.path.includes("/blobs/"))).toEqual([]);
    await c.close();
  });

  it("oci-mediatypes=false pushes a Docker manifest list with Docker layer types (BuildKit's NewExportableCache), and it imports", async () => {
    const store = await openContentStore(join(dir, "store-docker"));
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
    const c = client();
    const ref = `${proxy.host}/app/site:cache-docker`;
    await runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve({ ref, mode: "max", "oci-mediatypes": "false" })], store, registry: c });
    await store.leases.release(built.lease);
    const list = JSON.parse(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/app/site:cache-docker`], { encoding: "utf8" })) as { mediaType: string; manifests: Array<{ mediaType: string; annotations?: Record<string, string> }> };
    expect(list.mediaType).toBe("application/vnd.docker.distribution.manifest.list.v2+json");
    // The config is the last entry and keeps its type; every other entry is a Docker gzip layer with its diffID.
    expect(list.manifests.at(-1)!.mediaType).toBe("application/vnd.buildkit.cacheconfig.v0");
    const layers = list.manifests.slice(0, -1);
    expect(layers).toHaveLength(3);
    for (const layer of layers) {
      expect(layer.mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar.gzip");
      expect(layer.annotations?.["containerd.io/uncompressed"]).toMatch(/^sha256:/);
    }
    // Read back into a wiped store: every record's result is there and the build is a full hit.
    const fresh = await openContentStore(join(dir, "store-docker-2"));
    const cache = (await cacheImporter.resolve({ ref }).load({ store: fresh, registry: c, progress: ProgressReporter.root(undefined), signal: new AbortController().signal })) as ImportedCache;
    expect(cache.results.size).toBe(3);
    const rebuilt = await buildImage({ context: join(dir, "context"), store: fresh, sourceDateEpoch: 1_700_000_000, registry: c, cacheFrom: [cache] });
    expect(rebuilt.cached).toBe(true);
    await fresh.leases.release(rebuilt.lease);
    await c.close();
  });

  // With an inline cache as well: see @exp/cache-inline's test (it depends on this package, not the other way).
  it("several cache exports in one build: two local caches and a registry cache, beside the image push", async () => {
    const store = await openContentStore(join(dir, "store-many"));
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
    const c = client();
    await runExport({
      source: built.source,
      exporters: [registryExporter.resolve({ name: `${proxy.host}/app/many:v1` })],
      cacheExporters: [
        localCache.resolve({ dest: join(dir, "many-a") }),
        localCache.resolve({ dest: join(dir, "many-b"), mode: "max" }),
        cacheExporter.resolve({ ref: `${proxy.host}/app/many:cache` }),
      ],
      store,
      registry: c,
    });
    await store.leases.release(built.lease);
    for (const d of ["many-a", "many-b"]) expect(JSON.parse(await readFile(join(dir, d, "index.json"), "utf8")).manifests).toHaveLength(1);
    expect(JSON.parse(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/app/many:cache`], { encoding: "utf8" })).config.mediaType).toBe("application/vnd.buildkit.cacheconfig.v0");
    expect(JSON.parse(execFileSync("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/app/many:v1`], { encoding: "utf8" })).Layers).toHaveLength(2);
    await c.close();
  });

  it("ignore-error=true keeps the build green when the cache registry is unreachable; false fails it", async () => {
    const store = await openContentStore(join(dir, "store-down"));
    const built = await buildImage({ context: join(dir, "context"), store });
    // Nothing listens on port 1 of the loopback address; retries are kept short for the test.
    const c = createRegistryClient({ limiters: new HostLimiters(), retry: { attempts: 2, baseDelayMs: 5 } });
    const unreachable = { ref: "127.0.0.1:1/app/cache:latest", mode: "max" };
    const green = await runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve({ ...unreachable, "ignore-error": "true" })], store, registry: c });
    expect(green.warnings.join("\n")).toMatch(/ignored \(ignore-error=true\)/);
    await expect(runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve(unreachable)], store, registry: c })).rejects.toMatchObject({ code: "ERR_REGISTRY_UNREACHABLE", attempts: 2 });
    await store.leases.release(built.lease);
    await c.close();
  });

  it("pushes nothing for an empty cache, and a missing cache ref is no cache", async () => {
    const store = await openContentStore(join(dir, "store-3"));
    await writeFile(join(dir, "context", "Dockerfile.empty"), "FROM scratch\nENV A=1\n");
    const built = await buildImage({ context: join(dir, "context"), dockerfile: join(dir, "context", "Dockerfile.empty"), store });
    const c = client();
    await runExport({ source: built.source, exporters: [], cacheExporters: [cacheExporter.resolve({ ref: `${proxy.host}/app/empty:cache` })], store, registry: c });
    expect(() => execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/app/empty:cache`], { stdio: "pipe" })).toThrow();
    expect(await cacheImporter.resolve({ ref: `${proxy.host}/app/empty:cache` }).load({ store, registry: c, progress: ProgressReporter.root(undefined), signal: new AbortController().signal })).toBeUndefined();
    await store.leases.release(built.lease);
    await c.close();
  });
});
