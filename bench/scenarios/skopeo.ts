import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGzip } from "node:zlib";
import { Digester, OCI_IMAGE_CONFIG, OCI_IMAGE_INDEX, OCI_IMAGE_MANIFEST, OCI_LAYER_TAR_GZIP, digestOf, type Descriptor } from "@exp/oci-spec";
import { HostLimiters, bytesBlobSource, createRegistryClient, fileBlobSource, parseReference } from "@exp/registry";
import { clearSkopeoBlobCache, requireTools, startRegistry } from "@exp/testing";
import type { Scenario } from "../scenario.js";
import { median, round } from "../stats.js";

const run = promisify(execFile);
const layerMiB = [180, 120, 90, 60, 50];
const pairs = 3;

/**
 * Pushes one ~500 MiB, 5-layer OCI image to a local distribution registry, with exp's client and
 * with `skopeo copy oci:… docker://…`, alternately, each time into a fresh repository and with
 * skopeo's blob-info cache cleared (otherwise skopeo mounts instead of uploading).
 * The layout is built once and kept under the system temp dir between runs.
 */
export const scenario: Scenario = {
  name: "skopeo",
  description: `push of a ${layerMiB.reduce((a, b) => a + b, 0)} MiB ${layerMiB.length}-layer OCI image, exp vs skopeo copy, median of ${pairs} pairs`,
  targets: [{ metric: "ratio", max: 0.8 }],
  async run({ signal, log }) {
    const tools = requireTools(["skopeo", "docker-registry"]);
    if (!tools.available) throw new Error(`pnpm bench skopeo needs ${tools.missing.join(", ")}: run bash scripts/setup.sh`);
    const layout = await ensureLayout(join(tmpdir(), "exp-bench-skopeo-layout"), log);
    const registry = await startRegistry({ signal });
    try {
      const expMs: number[] = [];
      const skopeoMs: number[] = [];
      const ours = async (i: number) => {
        const client = createRegistryClient({ limiters: new HostLimiters() });
        const ref = parseReference(`${registry.host}/bench/exp-${i + 1}:v1`);
        const started = performance.now();
        await Promise.all(layout.layers.map((l) => client.pushBlob(ref, fileBlobSource(l.path, l.descriptor.digest, l.descriptor.size), { signal })));
        await client.pushBlob(ref, bytesBlobSource(layout.config.bytes, layout.config.descriptor.digest), { signal });
        await client.putManifest(ref, layout.manifest.bytes, OCI_IMAGE_MANIFEST, { signal });
        const elapsed = performance.now() - started;
        await client.close();
        return elapsed;
      };
      const theirs = async (i: number) => {
        await clearSkopeoBlobCache();
        const started = performance.now();
        await run("skopeo", ["copy", "--dest-tls-verify=false", `oci:${layout.dir}:v1`, `docker://${registry.host}/bench/skopeo-${i + 1}:v1`], { signal });
        return performance.now() - started;
      };
      // One untimed round of each first, so neither pays for a cold page cache.
      await ours(-1);
      await theirs(-1);
      for (let i = 0; i < pairs; i++) {
        if (i % 2 === 0) {
          expMs.push(await ours(i));
          skopeoMs.push(await theirs(i));
        } else {
          skopeoMs.push(await theirs(i));
          expMs.push(await ours(i));
        }
        log(`pair ${i + 1}: exp ${round(expMs[i]!, 0)} ms, skopeo ${round(skopeoMs[i]!, 0)} ms`);
      }
      const exp = median(expMs);
      const skopeo = median(skopeoMs);
      return { exp_ms: round(exp, 0), skopeo_ms: round(skopeo, 0), ratio: round(exp / skopeo), pairs, image_mib: layerMiB.reduce((a, b) => a + b, 0) };
    } finally {
      await registry.stop();
    }
  },
};

interface Layout {
  dir: string;
  layers: Array<{ path: string; descriptor: Descriptor }>;
  config: { descriptor: Descriptor; bytes: Buffer };
  manifest: { bytes: Buffer };
}

/** gzip (level 1) of random bytes per layer: incompressible, like real compressed layers. */
async function ensureLayout(dir: string, log: (line: string) => void): Promise<Layout> {
  const marker = join(dir, "layout.json");
  try {
    const cached = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(marker, "utf8"))) as Omit<Layout, "config" | "manifest"> & { config: { descriptor: Descriptor; bytes: string }; manifest: { bytes: string } };
    return { ...cached, config: { descriptor: cached.config.descriptor, bytes: Buffer.from(cached.config.bytes, "base64") }, manifest: { bytes: Buffer.from(cached.manifest.bytes, "base64") } };
  } catch {
    // not built yet
  }
  log(`building the ${layerMiB.reduce((a, b) => a + b, 0)} MiB layout in ${dir} (once)`);
  await rm(dir, { recursive: true, force: true });
  const blobs = join(dir, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const layers: Layout["layers"] = [];
  const diffIDs: string[] = [];
  for (const [i, mib] of layerMiB.entries()) {
    const temp = join(dir, `layer-${i}.tmp`);
    const uncompressed = new Digester();
    async function* content() {
      for (let left = mib * 1024 * 1024; left > 0; left -= 1 << 20) {
        const chunk = randomBytes(Math.min(1 << 20, left));
        uncompressed.update(chunk);
        yield chunk;
      }
    }
    await pipeline(Readable.from(content()), createGzip({ level: 1 }), createWriteStream(temp));
    diffIDs.push(uncompressed.digest());
    const compressed = new Digester();
    for await (const chunk of createReadStream(temp)) compressed.update(chunk as Buffer);
    const digest = compressed.digest();
    const path = join(blobs, digest.slice(7));
    await rename(temp, path);
    layers.push({ path, descriptor: { mediaType: OCI_LAYER_TAR_GZIP, digest, size: (await stat(path)).size } });
  }
  const configBytes = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: diffIDs }, config: {} }));
  const config = { descriptor: { mediaType: OCI_IMAGE_CONFIG, digest: digestOf(configBytes), size: configBytes.length }, bytes: configBytes };
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_MANIFEST, config: config.descriptor, layers: layers.map((l) => l.descriptor) }));
  const manifest = { mediaType: OCI_IMAGE_MANIFEST, digest: digestOf(manifestBytes), size: manifestBytes.length, annotations: { "org.opencontainers.image.ref.name": "v1" } };
  await writeFile(join(blobs, config.descriptor.digest.slice(7)), configBytes);
  await writeFile(join(blobs, manifest.digest.slice(7)), manifestBytes);
  await writeFile(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, mediaType: OCI_IMAGE_INDEX, manifests: [manifest] }));
  const layout: Layout = { dir, layers, config, manifest: { bytes: manifestBytes } };
  await writeFile(marker, JSON.stringify({ ...layout, config: { descriptor: config.descriptor, bytes: configBytes.toString("base64") }, manifest: { bytes: manifestBytes.toString("base64") } }));
  return layout;
}
