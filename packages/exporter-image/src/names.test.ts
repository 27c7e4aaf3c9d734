import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { MissingOptionError } from "@exp/errors";
import { digestOf, parseReference } from "@exp/oci-spec";
import { HostLimiters, createRegistryClient, type RegistryClient } from "@exp/registry";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { createImageExporter } from "./image-exporter.js";

describe("image exporter: name-canonical and dangling-name-prefix (BuildKit's export.go)", () => {
  it("push=true needs a name, unless a dangling-name-prefix gives one", () => {
    expect(() => createImageExporter("image").resolve({ push: "true" })).toThrow(MissingOptionError);
    expect(() => createImageExporter("image").resolve({ push: "true", "dangling-name-prefix": "r.example/d" })).not.toThrow();
  });
});

describe.skipIf(skipUnlessTools("docker-registry"))("image exporter names against a real registry", () => {
  let registry: TestRegistry;
  let dir: string;
  let store: ContentStore;
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), "exp-image-names-"));
    store = await openContentStore(join(dir, "store"));
    client = createRegistryClient({ limiters: new HostLimiters() });
    await mkdir(join(dir, "context"), { recursive: true });
    await writeFile(join(dir, "context", "a.txt"), "names\n");
    await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
  });
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function exportWith(attrs: Record<string, string>) {
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
    try {
      return await runExport({ source: built.source, exporters: [createImageExporter("image").resolve(attrs)], store, registry: client });
    } finally {
      await store.leases.release(built.lease);
    }
  }

  async function manifestIn(name: string): Promise<string | undefined> {
    const fetched = await client.getManifest(parseReference(name)).catch(() => undefined);
    return fetched ? digestOf(fetched.bytes) : undefined;
  }

  it("pushes the dangling name <prefix>@<digest> (by digest, no tag) for an image without a name, with store=false", async () => {
    const prefix = `${registry.host}/exp/dangling`;
    const outcome = await exportWith({ push: "true", store: "false", "dangling-name-prefix": prefix });
    const digest = outcome.response["containerimage.digest"]!;
    expect(outcome.response["image.name"]).toBe(`${prefix}@${digest}`);
    expect(await manifestIn(`${prefix}@${digest}`)).toBe(digest);
    expect(await manifestIn(`${prefix}:latest`)).toBeUndefined();
    expect(await store.roots.get(`image/${prefix}@${digest}`)).toBeUndefined();
  });

  it("pushes the dangling name beside the given one unless dangling-name-empty-only=true", async () => {
    const prefix = `${registry.host}/exp/dangling-beside`;
    const name = `${registry.host}/exp/named:v1`;
    const outcome = await exportWith({ name, push: "true", "dangling-name-prefix": prefix });
    const digest = outcome.response["containerimage.digest"]!;
    expect(outcome.response["image.name"]).toBe(`${name},${prefix}@${digest}`);
    expect(await manifestIn(`${prefix}@${digest}`)).toBe(digest);
    expect((await store.roots.get(`image/${prefix}@${digest}`))?.digest).toBe(digest);

    const other = `${registry.host}/exp/dangling-empty-only`;
    const emptyOnly = await exportWith({ name, push: "true", "dangling-name-prefix": other, "dangling-name-empty-only": "true" });
    expect(emptyOnly.response["image.name"]).toBe(name);
    expect(await manifestIn(`${other}@${digest}`)).toBeUndefined();
  });

  it("name-canonical stores <name>:<tag>@<digest>; pushed, the name's tag makes <name>@<digest> resolve as in BuildKit", async () => {
    const name = `${registry.host}/exp/canonical:v1`;
    const outcome = await exportWith({ name, push: "true", "name-canonical": "true" });
    const digest = outcome.response["containerimage.digest"]!;
    expect((await store.roots.get(`image/${name}@${digest}`))?.digest).toBe(digest);
    expect(await manifestIn(`${registry.host}/exp/canonical@${digest}`)).toBe(digest);
    expect(outcome.response["image.name"]).toBe(name);
  });
});
