import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearSkopeoBlobCache, skipUnlessTools, startFaultProxy, startRegistry, tempDir, type TempDir, type TestRegistry } from "@exp/testing";
import { DigestMismatchError, digestOf } from "@exp/oci-spec";
import { bytesBlobSource } from "./blobs/blob-source.js";
import { filePushLocks } from "./blobs/push-lock.js";
import { createRegistryClient, type RegistryClient } from "./client.js";
import { RegistryError, RetriesExhaustedError } from "./errors.js";
import { parseReference } from "@exp/oci-spec";
import { CredentialHelperNotFoundError } from "./auth/index.js";
import { HostLimiters } from "./transport/limiter.js";
import { makeImage, makeIndex, type FixtureImage } from "./testing/image-fixture.js";

const skip = skipUnlessTools("docker-registry", "skopeo");

async function pushImage(client: RegistryClient, reference: string, image: FixtureImage, signal?: AbortSignal) {
  const ref = parseReference(reference);
  await Promise.all(image.layers.map((l) => client.pushBlob(ref, l.source, signal ? { signal } : {})));
  await client.pushBlob(ref, bytesBlobSource(image.config.bytes, image.config.descriptor.digest));
  return client.putManifest(ref, image.manifest.bytes, image.manifest.descriptor.mediaType, signal ? { signal } : {});
}

function skopeo(args: string[]): string {
  return execFileSync("skopeo", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

async function drain(stream: NodeJS.ReadableStream): Promise<number> {
  let bytes = 0;
  await pipeline(stream, new Writable({ write: (c: Buffer, _e, done) => ((bytes += c.length), done()) }));
  return bytes;
}

describe.skipIf(skip)("registry client against distribution 2.8 (plain HTTP)", () => {
  let registry: TestRegistry;
  let dir: TempDir;
  let image: FixtureImage;
  // Each test gets its own limiters so a slow test never starves another.
  const client = () => createRegistryClient({ limiters: new HostLimiters() });

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await tempDir("exp-registry-it-");
    image = await makeImage(join(dir.path, "img"), [300_000, 120_000, 40_000]);
  });
  afterAll(async () => {
    await registry?.stop();
    await dir?.cleanup();
  });

  it("pushes a multi-layer image that skopeo reads back byte for byte and pulls with equal digests", async () => {
    const c = client();
    const descriptor = await pushImage(c, `${registry.host}/app/one:v1`, image);
    expect(descriptor.digest).toBe(image.manifest.descriptor.digest);
    expect(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/app/one:v1`])).toBe(image.manifest.bytes.toString());
    await clearSkopeoBlobCache();
    const layout = join(dir.path, "pulled");
    skopeo(["copy", "--src-tls-verify=false", `docker://${registry.host}/app/one:v1`, `oci:${layout}:v1`]);
    const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
    expect(index.manifests[0]!.digest).toBe(image.manifest.descriptor.digest);
    for (const layer of image.layers) {
      expect(digestOf(await readFile(join(layout, "blobs", "sha256", layer.descriptor.digest.slice(7))))).toBe(layer.descriptor.digest);
    }
    await c.close();
  });

  it("pushes an index of two platform manifests and reads it back", async () => {
    const c = client();
    const arm = await makeImage(join(dir.path, "arm"), [50_000], "arm64");
    await pushImage(c, `${registry.host}/app/multi@${image.manifest.descriptor.digest}`, image);
    await pushImage(c, `${registry.host}/app/multi@${arm.manifest.descriptor.digest}`, arm);
    const index = makeIndex([{ image, architecture: "amd64" }, { image: arm, architecture: "arm64" }]);
    const ref = parseReference(`${registry.host}/app/multi:latest`);
    await c.putManifest(ref, index.bytes, index.descriptor.mediaType);
    const fetched = await c.getManifest(ref);
    expect(fetched.bytes.equals(index.bytes)).toBe(true);
    expect(fetched.descriptor).toEqual(index.descriptor);
    expect(await c.headManifest(ref)).toMatchObject({ digest: index.descriptor.digest, mediaType: index.descriptor.mediaType });
    expect(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/app/multi:latest`])).toBe(index.bytes.toString());
    const armView = JSON.parse(skopeo(["inspect", "--tls-verify=false", "--override-arch", "arm64", `docker://${registry.host}/app/multi:latest`]));
    expect(armView.Architecture).toBe("arm64");
    expect(armView.Layers).toEqual(arm.layers.map((l) => l.descriptor.digest));
    await c.close();
  });

  it("gets a blob verified while it streams", async () => {
    const c = client();
    const ref = parseReference(`${registry.host}/app/one:v1`);
    const layer = image.layers[0]!.descriptor;
    expect(await drain(await c.getBlob(ref, layer))).toBe(layer.size);
    // A descriptor that promises one byte more than the registry serves: the stream must fail.
    await expect(drain(await c.getBlob(ref, { digest: layer.digest, size: layer.size + 1 }))).rejects.toBeInstanceOf(DigestMismatchError);
    await c.close();
  });

  it("mounts across repositories without sending the blob, and falls back to an upload when it cannot", async () => {
    const proxy = await startFaultProxy({ target: registry.url });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      const layer = image.layers[0]!;
      const source = parseReference(`${proxy.host}/mount/source:v1`);
      expect((await c.pushBlob(source, layer.source)).status).toBe("uploaded");
      const bytesAfterUpload = proxy.stats.requestBytes;
      expect(bytesAfterUpload).toBe(layer.descriptor.size);
      const target = parseReference(`${proxy.host}/mount/target:v1`);
      const mounted = await c.pushBlob(target, layer.source, { mountFrom: ["mount/source"] });
      expect(mounted).toMatchObject({ status: "mounted", mountedFrom: "mount/source" });
      expect(proxy.stats.requestBytes).toBe(bytesAfterUpload);
      // A mount from a repository that lacks the blob: the registry opens a session, we upload.
      const other = image.layers[1]!;
      const fallback = await c.pushBlob(target, other.source, { mountFrom: ["mount/nowhere"] });
      expect(fallback.status).toBe("uploaded");
      expect(proxy.stats.requestBytes).toBe(bytesAfterUpload + other.descriptor.size);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("does not ask again about a blob it knows the repository has", async () => {
    const proxy = await startFaultProxy({ target: registry.url });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      const ref = parseReference(`${proxy.host}/known/a:v1`);
      expect((await c.pushBlob(ref, image.layers[1]!.source)).status).toBe("uploaded");
      const requests = proxy.stats.requests;
      expect((await c.pushBlob(ref, image.layers[1]!.source)).status).toBe("exists");
      expect(proxy.stats.requests).toBe(requests);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("mounts a blob another repository is known to hold without a HEAD first, whether or not the target has it", async () => {
    const proxy = await startFaultProxy({ target: registry.url });
    try {
      const seeder = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      const [layer, other, third] = [image.layers[0]!, image.layers[1]!, image.layers[2]!];
      const cache = parseReference(`${proxy.host}/rebuild/cache:main`);
      const app = parseReference(`${proxy.host}/rebuild/app:v1`);
      // Runner 1: the layer in the cache repository and in the app repository.
      for (const ref of [cache, app]) await seeder.pushBlob(ref, layer.source);
      await seeder.pushBlob(app, other.source);
      await seeder.close();
      // Runner 2: a fresh client that knows the cache holds the layer, as a --cache-from import tells it.
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      c.rememberBlob(cache, layer.descriptor.digest);
      proxy.reset();
      expect(await c.pushBlob(app, layer.source)).toMatchObject({ status: "mounted", mountedFrom: "rebuild/cache" });
      expect(await c.pushBlob(parseReference(`${proxy.host}/rebuild/new:v1`), layer.source)).toMatchObject({ status: "mounted", mountedFrom: "rebuild/cache" });
      expect(proxy.stats.log.map((e) => e.method)).toEqual(["POST", "POST"]);
      expect(proxy.stats.requestBytes).toBe(0);
      // Known wrongly (the cache lost them): the refused mount falls back to the check, then to the upload.
      for (const l of [other, third]) c.rememberBlob(cache, l.descriptor.digest);
      proxy.reset();
      expect((await c.pushBlob(app, other.source)).status).toBe("exists");
      expect(proxy.stats.requestBytes).toBe(0);
      expect((await c.pushBlob(parseReference(`${proxy.host}/rebuild/other:v1`), third.source)).status).toBe("uploaded");
      expect(proxy.stats.requestBytes).toBe(third.descriptor.size);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("uploads a blob once when two repositories push it at the same time", async () => {
    const proxy = await startFaultProxy({ target: registry.url });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      const layer = image.layers[2]!;
      const [a, b] = await Promise.all([
        c.pushBlob(parseReference(`${proxy.host}/dedupe/a:v1`), layer.source, { skipExistsCheck: true }),
        c.pushBlob(parseReference(`${proxy.host}/dedupe/b:v1`), layer.source),
      ]);
      expect([a.status, b.status].sort()).toEqual(["mounted", "uploaded"]);
      expect(proxy.stats.requestBytes).toBe(layer.descriptor.size);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("two clients (two processes) pushing one blob to one repository at once send it twice, or once with shared push locks", async () => {
    // A slow link keeps the first upload going while the second client asks whether the blob is there.
    const proxy = await startFaultProxy({ target: registry.url, link: { bytesPerSecond: 200_000 } });
    try {
      const layer = image.layers[1]!;
      const pushBoth = async (repository: string, locks?: ReturnType<typeof filePushLocks>) => {
        const clients = [0, 1].map(() => createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host], ...(locks ? { pushLocks: locks } : {}) }));
        const results = await Promise.all(clients.map((c) => c.pushBlob(parseReference(`${proxy.host}/${repository}:v1`), layer.source)));
        await Promise.all(clients.map((c) => c.close()));
        const sent = proxy.stats.log.filter((e) => e.method === "PUT" && e.path.startsWith(`/v2/${repository}/blobs/uploads/`) && e.requestBytes > 0).length;
        return { statuses: results.map((r) => r.status).sort(), sent };
      };
      // Without a lock both HEADs answer 404 and both clients upload: the race the lock is for.
      expect(await pushBoth("race/unlocked")).toEqual({ statuses: ["uploaded", "uploaded"], sent: 2 });
      expect(await pushBoth("race/locked", filePushLocks(join(dir.path, "push-locks")))).toEqual({ statuses: ["exists", "uploaded"], sent: 1 });
    } finally {
      await proxy.stop();
    }
  });

  it("uploads in chunks, honouring the chunk size, and the registry has the right blob", async () => {
    const proxy = await startFaultProxy({ target: registry.url });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      const layer = image.layers[0]!;
      const ref = parseReference(`${proxy.host}/chunked/x:v1`);
      const progress: number[] = [];
      const result = await c.pushBlob(ref, layer.source, { upload: "chunked", chunkSize: 64 * 1024, onProgress: (n) => progress.push(n) });
      expect(result.status).toBe("uploaded");
      const patches = proxy.stats.log.filter((e) => e.method === "PATCH");
      expect(patches).toHaveLength(Math.ceil(layer.descriptor.size / (64 * 1024)));
      expect(progress.at(-1)).toBe(layer.descriptor.size);
      expect(await c.blobExists(ref, layer.descriptor.digest)).toBe(true);
      expect(await drain(await c.getBlob(ref, layer.descriptor))).toBe(layer.descriptor.size);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("falls back to chunks when a proxy refuses the monolithic body as too large", async () => {
    const proxy = await startFaultProxy({ target: registry.url, rules: [{ match: { method: "PUT" }, every: true, fault: { type: "too-large", maxBytes: 100_000 } }] });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      const layer = image.layers[0]!;
      const ref = parseReference(`${proxy.host}/large/x:v1`);
      expect((await c.pushBlob(ref, layer.source, { chunkSize: 80_000 })).status).toBe("uploaded");
      expect(proxy.stats.log.some((e) => e.status === 413)).toBe(true);
      expect(proxy.stats.log.filter((e) => e.method === "PATCH").length).toBe(Math.ceil(layer.descriptor.size / 80_000));
      expect(await c.blobExists(ref, layer.descriptor.digest)).toBe(true);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("lists tags across pages", async () => {
    const c = client();
    const tags = ["a", "b", "c", "d", "e"];
    for (const tag of tags) await pushImage(c, `${registry.host}/tags/list:${tag}`, image);
    expect((await c.listTags(parseReference(`${registry.host}/tags/list`), { pageSize: 2 })).sort()).toEqual(tags);
    await c.close();
  });

  it("reports a missing manifest as a typed 404 with the registry's error code", async () => {
    const c = client();
    const failure = await c.getManifest(parseReference(`${registry.host}/app/one:nope`)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RegistryError);
    expect((failure as RegistryError).status).toBe(404);
    expect((failure as RegistryError).hasCode("MANIFEST_UNKNOWN")).toBe(true);
    expect((failure as RegistryError).message).toContain(`/v2/app/one/manifests/nope`);
    await c.close();
  });

  it("rejects a manifest whose bytes do not match the digest asked for", async () => {
    const c = client();
    const ref = parseReference(`${registry.host}/app/one@${image.config.descriptor.digest}`);
    await expect(c.putManifest(ref, image.manifest.bytes, image.manifest.descriptor.mediaType)).rejects.toBeInstanceOf(DigestMismatchError);
    await c.close();
  });
});

describe.skipIf(skip)("registry client under injected faults", () => {
  let registry: TestRegistry;
  let dir: TempDir;

  beforeAll(async () => {
    registry = await startRegistry();
    dir = await tempDir("exp-registry-faults-");
  });
  afterAll(async () => {
    await registry?.stop();
    await dir?.cleanup();
  });

  it("completes a 3-layer push with about 10% of requests failing, and skopeo verifies it", async () => {
    const image = await makeImage(join(dir.path, "img"), [400_000, 200_000, 100_000]);
    const proxy = await startFaultProxy({
      target: registry.url,
      seed: 7,
      rules: [
        { probability: 0.03, fault: { type: "status", status: 503 } },
        { probability: 0.03, fault: { type: "status", status: 429, retryAfter: 0 } },
        { match: { method: "PUT" }, probability: 0.1, fault: { type: "reset-request", afterBytes: 50_000 } },
        { match: { method: "GET" }, probability: 0.05, fault: { type: "reset-response", afterBytes: 10 } },
        { probability: 0.03, fault: { type: "status", status: 500 } },
      ],
    });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host], retry: { baseDelayMs: 5, maxDelayMs: 50, attempts: 8 } });
      const descriptor = await pushImage(c, `${proxy.host}/faulty/app:v1`, image);
      expect(descriptor.digest).toBe(image.manifest.descriptor.digest);
      expect(proxy.stats.faults).toBeGreaterThan(0);
      await clearSkopeoBlobCache();
      const layout = join(dir.path, "pulled");
      // Straight from the registry, not through the proxy: skopeo checks every blob's digest.
      skopeo(["copy", "--src-tls-verify=false", `docker://${registry.host}/faulty/app:v1`, `oci:${layout}:v1`]);
      const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
      expect(index.manifests[0]!.digest).toBe(image.manifest.descriptor.digest);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("gives up with a typed error within the retry budget when every try fails", async () => {
    const proxy = await startFaultProxy({ target: registry.url, rules: [{ every: true, fault: { type: "status", status: 503, retryAfter: 0 } }] });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host], retry: { baseDelayMs: 5, maxDelayMs: 20, attempts: 4 } });
      const failure = await c.pushBlob(parseReference(`${proxy.host}/down/app:v1`), bytesBlobSource(Buffer.from("x"), digestOf("x"))).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RetriesExhaustedError);
      expect((failure as RetriesExhaustedError).attempts).toBe(4);
      expect(((failure as RetriesExhaustedError).cause as RegistryError).status).toBe(503);
      expect(proxy.stats.requests).toBe(4);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("tries a manifest refused for an unknown blob once more (distribution's blob-link race), and no more when the blob is really missing", async () => {
    const image = await makeImage(join(dir.path, "race"), [50_000]);
    const blobUnknown = JSON.stringify({ errors: [{ code: "MANIFEST_BLOB_UNKNOWN", message: "blob unknown to registry", detail: image.layers[0]!.descriptor.digest }] });
    const proxy = await startFaultProxy({
      target: registry.url,
      rules: [{ match: { method: "PUT", path: /\/manifests\// }, nth: [1], fault: { type: "status", status: 400, body: blobUnknown, headers: { "content-type": "application/json" } } }],
    });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host] });
      expect((await pushImage(c, `${proxy.host}/race/app:v1`, image)).digest).toBe(image.manifest.descriptor.digest);
      expect(proxy.stats.log.filter((e) => e.method === "PUT" && e.path.includes("/manifests/")).map((e) => e.status)).toEqual([400, 201]);
      // A manifest whose layer was never pushed: the registry refuses it twice, and the error says why.
      proxy.setRules([]);
      proxy.reset();
      const missing = await makeImage(join(dir.path, "missing"), [40_000]);
      const failure = await c.putManifest(parseReference(`${proxy.host}/race/missing:v1`), missing.manifest.bytes, missing.manifest.descriptor.mediaType).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RegistryError);
      expect((failure as RegistryError).hasCode("MANIFEST_BLOB_UNKNOWN")).toBe(true);
      expect(proxy.stats.log.filter((e) => e.method === "PUT").length).toBe(2);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("restarts an upload whose body was cut mid-way as a new session", async () => {
    const image = await makeImage(join(dir.path, "cut"), [300_000]);
    const proxy = await startFaultProxy({ target: registry.url, rules: [{ match: { method: "PUT" }, nth: [1], fault: { type: "reset-request", afterBytes: 100_000 } }] });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host], retry: { baseDelayMs: 5 } });
      const result = await c.pushBlob(parseReference(`${proxy.host}/cut/app:v1`), image.layers[0]!.source);
      expect(result).toMatchObject({ status: "uploaded", sessions: 2 });
      expect(proxy.stats.log.filter((e) => e.method === "POST")).toHaveLength(2);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("resumes a blob GET and retries a manifest GET whose bodies broke after the headers", async () => {
    const image = await makeImage(join(dir.path, "resume"), [300_000]);
    const direct = createRegistryClient({ limiters: new HostLimiters() });
    await pushImage(direct, `${registry.host}/resume/app:v1`, image);
    await direct.close();
    // The 1st GET (the blob) and the 3rd (the manifest) are cut part way; the transport's own
    // retries are over by then, since their headers had arrived.
    const proxy = await startFaultProxy({ target: registry.url, rules: [{ match: { method: "GET" }, nth: [1, 3], fault: { type: "reset-response", afterBytes: 100_000 } }] });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host], retry: { baseDelayMs: 5 } });
      const ref = parseReference(`${proxy.host}/resume/app:v1`);
      const layer = image.layers[0]!.descriptor;
      expect(await drain(await c.getBlob(ref, layer))).toBe(layer.size);
      expect((await c.getManifest(ref)).bytes.equals(image.manifest.bytes)).toBe(true);
      // The blob was resumed where it broke (206), not downloaded again.
      expect(proxy.stats.log.map((e) => [e.status, e.fault])).toEqual([[200, "reset-response"], [206, undefined], [200, "reset-response"], [200, undefined]]);
      expect(proxy.stats.log[0]!.path).toBe(proxy.stats.log[1]!.path);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("retries a registry that stays silent past the headers timeout, then gives up without hanging", async () => {
    const proxy = await startFaultProxy({ target: registry.url, rules: [{ nth: [1], fault: { type: "delay", ms: 2_000 } }] });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host], timeouts: { headersMs: 200 }, retry: { baseDelayMs: 5 } });
      // The first try times out after 200 ms and is retried; the second is answered.
      expect(await c.blobExists(parseReference(`${proxy.host}/slow/app:v1`), digestOf("nothing"))).toBe(false);
      expect(proxy.stats.requests).toBe(2);
      proxy.setRules([{ every: true, fault: { type: "delay", ms: 2_000 } }]);
      const started = Date.now();
      const failure = await c.blobExists(parseReference(`${proxy.host}/slow/app:v1`), digestOf("nothing")).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RetriesExhaustedError);
      expect(Date.now() - started).toBeLessThan(10_000);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });

  it("stops promptly when its signal fires mid-retry", async () => {
    const proxy = await startFaultProxy({ target: registry.url, rules: [{ every: true, fault: { type: "status", status: 503, retryAfter: 5 } }] });
    try {
      const c = createRegistryClient({ limiters: new HostLimiters(), insecure: [proxy.host], retry: { attempts: 10, maxDelayMs: 10_000 } });
      const controller = new AbortController();
      const pending = c.blobExists(parseReference(`${proxy.host}/slow/app:v1`), digestOf("y"), { signal: controller.signal });
      // Abort once the first 503 was answered (the client is now waiting out Retry-After).
      await waitUntil(() => proxy.stats.requests >= 1);
      controller.abort(new Error("cancelled by test"));
      await expect(pending).rejects.toThrow(/cancelled by test|aborted/);
      expect(proxy.stats.requests).toBe(1);
      await c.close();
    } finally {
      await proxy.stop();
    }
  });
});

describe.skipIf(skip)("registry client authentication", () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await tempDir("exp-registry-auth-");
  });
  afterAll(() => dir?.cleanup());

  it("Basic: pushes with the right password and names the registry, never the secret, with a wrong one", async () => {
    const registry = await startRegistry({ auth: "basic" });
    try {
      const image = await makeImage(join(dir.path, "basic"), [10_000]);
      const good = createRegistryClient({ limiters: new HostLimiters(), credentials: { [registry.host]: { username: registry.username!, password: registry.password! } } });
      expect((await pushImage(good, `${registry.host}/basic/app:v1`, image)).digest).toBe(image.manifest.descriptor.digest);
      const secret = "not-the-password-9f8e7d";
      const bad = createRegistryClient({ limiters: new HostLimiters(), credentials: { [registry.host]: { username: registry.username!, password: secret } } });
      const failure = await bad.getManifest(parseReference(`${registry.host}/basic/app:v1`)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RegistryError);
      expect((failure as RegistryError).code).toBe("ERR_REGISTRY_UNAUTHORIZED");
      expect((failure as RegistryError).message).toContain(registry.host);
      expect((failure as RegistryError).message).toContain("explicit");
      expect(JSON.stringify(failure) + String(failure) + (failure as Error).stack).not.toContain(secret);
      await good.close();
      await bad.close();
    } finally {
      await registry.stop();
    }
  });

  it("Bearer: fetches one token per scope, reuses it, and refreshes it when revoked", async () => {
    const registry = await startRegistry({ auth: "token" });
    try {
      const issuer = registry.tokenIssuer!;
      const image = await makeImage(join(dir.path, "token"), [20_000, 10_000]);
      const c = createRegistryClient({ limiters: new HostLimiters(), credentials: { [registry.host]: { username: registry.username!, password: registry.password! } } });
      await pushImage(c, `${registry.host}/token/app:v1`, image);
      const pushTokens = issuer.requests.filter((r) => r.authorized).length;
      expect(pushTokens).toBe(1);
      // The same scope again: served from the cache.
      await c.headManifest(parseReference(`${registry.host}/token/app:v1`));
      expect(issuer.requests.filter((r) => r.authorized).length).toBe(2); // pull-only is another scope
      await c.headManifest(parseReference(`${registry.host}/token/app:v1`));
      expect(issuer.requests.filter((r) => r.authorized).length).toBe(2);
      // A revoked key: the cached token is refused, a fresh one is fetched, the call succeeds.
      issuer.revokeAll();
      expect(await c.headManifest(parseReference(`${registry.host}/token/app:v1`))).toBeDefined();
      await c.close();
    } finally {
      await registry.stop();
    }
  });

  it("Bearer: an identity token from docker's config.json is exchanged through the OAuth2 refresh grant", async () => {
    const registry = await startRegistry({ auth: "token" });
    try {
      const issuer = registry.tokenIssuer!;
      // What `docker login` stores for registries that issue refresh tokens.
      const form = new URLSearchParams({ grant_type: "password", username: registry.username!, password: registry.password!, service: registry.tokenService!, client_id: "test", access_type: "offline", scope: "" });
      const answer = (await (await fetch(registry.tokenRealm!, { method: "POST", body: form })).json()) as { refresh_token?: string };
      expect(answer.refresh_token).toBeTruthy();
      const home = join(dir.path, "identity-home");
      await mkdir(join(home, ".docker"), { recursive: true });
      await writeFile(join(home, ".docker", "config.json"), JSON.stringify({ auths: { [registry.host]: { identitytoken: answer.refresh_token } } }));
      const image = await makeImage(join(dir.path, "identity"), [5_000]);
      const c = createRegistryClient({ limiters: new HostLimiters(), homeDir: home, env: { HOME: home, PATH: process.env.PATH ?? "" } });
      expect((await pushImage(c, `${registry.host}/identity/app:v1`, image)).digest).toBe(image.manifest.descriptor.digest);
      expect(issuer.requests.some((r) => r.grantType === "refresh_token" && r.authorized)).toBe(true);
      await c.close();
    } finally {
      await registry.stop();
    }
  });

  it("Bearer: a token without the repository's scope is a typed 401", async () => {
    const registry = await startRegistry({ auth: "token" });
    try {
      // A bearer token handed in directly (CI's short-lived token) that grants nothing here.
      const c = createRegistryClient({ limiters: new HostLimiters(), credentials: { [registry.host]: { kind: "registry-token", token: "not-a-valid-token" } } });
      const failure = await c.headManifest(parseReference(`${registry.host}/token/other:v1`)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(RegistryError);
      expect((failure as RegistryError).status).toBe(401);
      expect(String((failure as Error).message)).not.toContain("not-a-valid-token");
      await c.close();
    } finally {
      await registry.stop();
    }
  });

  it("a credential helper that is not installed is a typed error naming the helper and the registry", async () => {
    const registry = await startRegistry({ auth: "basic" });
    try {
      const home = join(dir.path, "home");
      await mkdir(join(home, ".docker"), { recursive: true });
      await writeFile(join(home, ".docker", "config.json"), JSON.stringify({ credHelpers: { [registry.host]: "exp-missing-helper" } }));
      const c = createRegistryClient({ limiters: new HostLimiters(), homeDir: home, env: { HOME: home, PATH: process.env.PATH ?? "" } });
      const failure = await c.getManifest(parseReference(`${registry.host}/x/y:v1`)).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CredentialHelperNotFoundError);
      expect((failure as Error).message).toContain("docker-credential-exp-missing-helper");
      expect((failure as Error).message).toContain(registry.host);
      await c.close();
    } finally {
      await registry.stop();
    }
  });

  it("TLS: trusts a registry's self-signed CA when given it, and refuses it otherwise", async () => {
    const registry = await startRegistry({ tls: true });
    try {
      const image = await makeImage(join(dir.path, "tls"), [10_000]);
      const trusted = createRegistryClient({ limiters: new HostLimiters(), tls: { [registry.host]: { ca: registry.caCert! } } });
      expect((await pushImage(trusted, `${registry.host}/tls/app:v1`, image)).digest).toBe(image.manifest.descriptor.digest);
      const untrusted = createRegistryClient({ limiters: new HostLimiters(), tls: { [registry.host]: {} }, retry: { attempts: 1 } });
      await expect(untrusted.headManifest(parseReference(`${registry.host}/tls/app:v1`))).rejects.toMatchObject({ code: "ERR_REGISTRY_NETWORK" });
      expect(skopeo(["inspect", "--raw", "--cert-dir", registry.certDir!, `docker://${registry.host}/tls/app:v1`])).toBe(image.manifest.bytes.toString());
      await trusted.close();
      await untrusted.close();
    } finally {
      await registry.stop();
    }
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error("condition never became true");
}

