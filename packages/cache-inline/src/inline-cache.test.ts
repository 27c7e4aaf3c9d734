import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheImporter } from "@exp/cache-registry";
import { openContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { registryExporter } from "@exp/exporter-image";
import { HostLimiters, createRegistryClient } from "@exp/registry";
import { ProgressReporter, type ImportedCache } from "@exp/solver";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { cacheExporter } from "./inline-cache-exporter.js";

describe.skipIf(skipUnlessTools("docker-registry", "skopeo"))("inline cache", () => {
  let registry: TestRegistry;
  let dir: string;

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), "exp-cache-inline-"));
    const context = join(dir, "context");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "a.txt"), "a");
    await writeFile(join(context, "b.txt"), "b");
    await writeFile(join(context, "Dockerfile"), "FROM scratch\nCOPY a.txt /\nCOPY b.txt /\nCMD [\"/a.txt\"]\n");
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("embeds the records in the pushed image's config, and a wiped store rebuilds from the image to the same digest", async () => {
    const client = createRegistryClient({ limiters: new HostLimiters() });
    const name = `${registry.host}/inline/app:v1`;
    const first = await openContentStore(join(dir, "store-1"));
    const built = await buildImage({ context: join(dir, "context"), store: first, sourceDateEpoch: 1_700_000_000 });
    const outcome = await runExport({ source: built.source, exporters: [registryExporter.resolve({ name })], cacheExporters: [cacheExporter.resolve({})], store: first, registry: client });
    await first.leases.release(built.lease);
    expect(outcome.timeline[0]?.phase).toBe("inline-cache");
    // --raw: skopeo's parsed view of a config drops fields it does not know, this one among them.
    const config = JSON.parse(execFileSync("skopeo", ["inspect", "--config", "--raw", "--tls-verify=false", `docker://${name}`], { encoding: "utf8" }));
    const records = JSON.parse(Buffer.from(config["moby.buildkit.cache.v0"], "base64").toString("utf8"));
    expect(records).toHaveLength(2);
    // Results are positions in the image's own layers: layers 0..0 and 0..1.
    expect(records.map((r: { layers: Array<{ layer: number }> }) => r.layers[0]!.layer).sort()).toEqual([0, 1]);

    const second = await openContentStore(join(dir, "store-2"));
    const cache = (await cacheImporter.resolve({ ref: name }).load({ store: second, registry: client, progress: ProgressReporter.root(undefined), signal: new AbortController().signal })) as ImportedCache;
    expect(cache.results.size).toBe(2);
    const rebuilt = await buildImage({ context: join(dir, "context"), store: second, sourceDateEpoch: 1_700_000_000, registry: client, cacheFrom: [cache] });
    expect(rebuilt.cached).toBe(true);
    const again = await runExport({ source: rebuilt.source, exporters: [registryExporter.resolve({ name: `${registry.host}/inline/app:v2` })], cacheExporters: [cacheExporter.resolve({})], store: second, registry: client });
    expect(again.response["containerimage.digest"]).toBe(outcome.response["containerimage.digest"]);
    await second.leases.release(rebuilt.lease);
    await client.close();
  });

  it("accepts only mode=min, as BuildKit", () => {
    expect(() => cacheExporter.resolve({ mode: "max" })).toThrow(/one of min/);
  });
});
