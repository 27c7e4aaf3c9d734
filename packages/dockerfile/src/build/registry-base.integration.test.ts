import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { digestOf, OCI_IMAGE_CONFIG, OCI_IMAGE_MANIFEST } from "@exp/oci-spec";
import { HostLimiters, bytesBlobSource, createRegistryClient, parseReference, type BlobSource, type RegistryClient } from "@exp/registry";
import { LayerBlobs } from "@exp/solver";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { buildImage } from "./build-image.js";

describe.skipIf(skipUnlessTools("docker-registry"))("FROM an image in a registry", () => {
  let registry: TestRegistry;
  let dir: string;
  let client: RegistryClient;
  let baseRef: string;

  /** Builds a small base with exp and pushes it (the image exporter of a later release does this for real). */
  async function pushBase(): Promise<void> {
    const baseStore = await openContentStore(join(dir, "base-store"));
    const context = join(dir, "base");
    await mkdir(join(context, "etc"), { recursive: true });
    await writeFile(join(context, "etc", "os-release"), "ID=exp-base\n");
    await writeFile(join(context, "Dockerfile"), "FROM scratch\nCOPY etc/ /etc/\nENV BASE=yes\nWORKDIR /base\n");
    const built = await buildImage({ context, store: baseStore, sourceDateEpoch: 1_700_000_000 });
    const result = built.source.results[0]!;
    const ref = parseReference(baseRef);
    const blobs = new LayerBlobs(baseStore);
    const layers = [];
    for (const layer of result.ref.layers) {
      const blob = await blobs.get(layer, { type: "gzip" }, { lease: built.lease });
      const source: BlobSource = { digest: blob.descriptor.digest, size: blob.descriptor.size, open: () => baseStore.read(blob.descriptor.digest) };
      await client.pushBlob(ref, source);
      layers.push({ mediaType: blob.descriptor.mediaType, digest: blob.descriptor.digest, size: blob.descriptor.size });
    }
    const configBytes = Buffer.from(JSON.stringify(result.config));
    await client.pushBlob(ref, bytesBlobSource(configBytes, digestOf(configBytes)));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: { mediaType: OCI_IMAGE_CONFIG, digest: digestOf(configBytes), size: configBytes.length }, layers }));
    await client.putManifest(ref, manifest, OCI_IMAGE_MANIFEST);
  }

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), "exp-registry-base-"));
    client = createRegistryClient({ limiters: new HostLimiters() });
    baseRef = `${registry.host}/exp/base:v1`;
    await pushBase();
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("builds on the base lazily: its config and history carry over, its layers are not downloaded", async () => {
    const store: ContentStore = await openContentStore(join(dir, "store-a"));
    const context = join(dir, "app");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "app.js"), "1");
    // --link: the COPY does not read the base, so its layers need not be downloaded.
    await writeFile(join(context, "Dockerfile"), `FROM ${baseRef}\nENV PATH=/app/bin:$PATH\nCOPY --link app.js ./\n`);
    const built = await buildImage({ context, store, registry: client, sourceDateEpoch: 1_700_000_000 });
    const result = built.source.results[0]!;
    const config = result.config as Record<string, any>;
    expect(config.config.Env).toContain("BASE=yes");
    expect(config.config.Env).toContain("PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    expect(config.config.WorkingDir).toBe("/base");
    // The base's COPY and WORKDIR layers, then the app's COPY.
    expect(result.ref.layers).toHaveLength(3);
    expect(config.history.filter((h: { empty_layer?: boolean }) => !h.empty_layer)).toHaveLength(3);
    const base = result.ref.layers[0]!;
    expect(base.origin).toEqual({ registry: registry.host, repository: "exp/base" });
    expect(await store.exists(base.knownBlobs![0]!.digest)).toBe(false);
  });

  it("COPY --from the registry image fetches exactly the layer it reads", async () => {
    const store: ContentStore = await openContentStore(join(dir, "store-b"));
    const context = join(dir, "copier");
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "Dockerfile"), `FROM scratch\nCOPY --from=${baseRef} /etc/os-release /copied\n`);
    const built = await buildImage({ context, store, registry: client });
    const chunks: Buffer[] = [];
    for await (const chunk of await built.source.results[0]!.ref.layers[0]!.openTar({})) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString("latin1")).toContain("ID=exp-base");
  });
});
