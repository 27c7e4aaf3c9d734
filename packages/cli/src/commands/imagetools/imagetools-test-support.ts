import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bytesBlobSource, type RegistryClient } from "@exp/registry";
import { digestOf, type Descriptor, type Digest } from "@exp/oci-spec";
import type { FaultLogEntry, FaultProxy } from "@exp/testing";
import { run } from "../../test-helpers.js";

// Test support for the imagetools tests (not exported by the package).

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

/**
 * Builds a one-file image FROM scratch for one platform with `exp build` and pushes it by digest
 * only (`push-by-digest=true,name-canonical=true`), as a CI runner per platform does before the
 * merge. The file's content differs per call, so every image has layers of its own. Without
 * attestations, so that it is one manifest whatever exp build attaches by default (the attestation
 * tests add BuildKit's layout by hand). Returns the
 * manifest's digest. `env` and `flags` reach exp build (a HOME with a docker config, --insecure-registry).
 */
export async function buildByDigest(dir: string, name: string, platform: string, content: string, options: { env?: Record<string, string>; flags?: string[] } = {}): Promise<Digest> {
  const context = join(dir, `ctx-${content}`);
  await mkdir(context, { recursive: true });
  await writeFile(join(context, "file.txt"), `${content}\n`);
  await writeFile(join(context, "Dockerfile"), "FROM scratch\nCOPY file.txt /\n");
  const metadata = join(dir, `meta-${content}.json`);
  const result = await run(["build", context, "--platform", platform, "-o", `type=image,name=${name},push-by-digest=true,name-canonical=true,push=true`, "--metadata-file", metadata, "--root", join(dir, "store"), "--progress", "none", "--provenance", "false", "--sbom", "false", ...(options.flags ?? [])], options.env ? { env: options.env } : {});
  if (result.code !== 0) throw new Error(`exp build failed: ${result.stderr}`);
  return (JSON.parse(await readFile(metadata, "utf8")) as Record<string, string>)["containerimage.digest"] as Digest;
}

export interface Attestation {
  predicateType: string;
  predicate: unknown;
}

/**
 * Writes, next to an image manifest already in `repository`, what BuildKit pushes for an image
 * with attestations (docs/attestations/attestation-storage.md, OCI artifact form): an attestation
 * manifest (artifactType, the empty config, one in-toto statement layer per attestation with its
 * `in-toto.io/predicate-type`, `subject` the image) and an index listing the image with its
 * platform and then the attestation manifest as `unknown/unknown` with the reference annotations.
 * The index is pushed under `tag`. Returns the index's and the attestation manifest's digests.
 */
export async function pushAttestedIndex(
  client: RegistryClient,
  repo: { registry: string; repository: string },
  image: Digest,
  platform: { os: string; architecture: string },
  attestations: readonly Attestation[],
  tag: string,
): Promise<{ index: Digest; attestation: Digest; indexBytes: Buffer }> {
  const imageDesc = (await client.headManifest({ ...repo, digest: image }))!;
  const empty = Buffer.from("{}");
  await client.pushBlob(repo, bytesBlobSource(empty, digestOf(empty)));
  const layers: Descriptor[] = [];
  for (const { predicateType, predicate } of attestations) {
    const statement = Buffer.from(JSON.stringify({ _type: "https://in-toto.io/Statement/v1", predicateType, subject: [{ name: `pkg:docker/${repo.repository}`, digest: { sha256: image.slice(7) } }], predicate }));
    await client.pushBlob(repo, bytesBlobSource(statement, digestOf(statement)));
    layers.push({ mediaType: "application/vnd.in-toto+json", digest: digestOf(statement), size: statement.byteLength, annotations: { "in-toto.io/predicate-type": predicateType } });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/vnd.docker.attestation.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestOf(empty), size: 2, data: "e30=" },
      layers,
      subject: { mediaType: imageDesc.mediaType, digest: image, size: imageDesc.size },
    }),
  );
  const attestation = (await client.putManifest({ ...repo, digest: digestOf(manifest) }, manifest, OCI_MANIFEST)).digest;
  const indexBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: imageDesc.mediaType, digest: image, size: imageDesc.size, platform },
        {
          mediaType: OCI_MANIFEST,
          digest: attestation,
          size: manifest.byteLength,
          annotations: { "vnd.docker.reference.digest": image, "vnd.docker.reference.type": "attestation-manifest" },
          platform: { architecture: "unknown", os: "unknown" },
        },
      ],
    }),
  );
  const index = (await client.putManifest({ ...repo, tag }, indexBytes, OCI_INDEX)).digest;
  return { index, attestation, indexBytes };
}

/** `skopeo inspect --raw` of an image: the bytes the registry stores. */
export function skopeoRaw(ref: string, creds?: string): Buffer {
  return execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", ...(creds ? ["--creds", creds] : []), `docker://${ref}`]);
}

/**
 * The same, without blocking the event loop: needed when the registry's token issuer runs in this
 * process (startRegistry's auth "token"), which must answer skopeo's token request meanwhile.
 */
export async function skopeoRawAsync(ref: string, creds?: string): Promise<Buffer> {
  const { stdout } = await promisify(execFile)("skopeo", ["inspect", "--raw", "--tls-verify=false", ...(creds ? ["--creds", creds] : []), `docker://${ref}`], { encoding: "buffer" });
  return stdout;
}

/** The proxy's requests that wrote to the registry: uploads, mounts, manifest PUTs, deletes. */
export function writes(proxy: FaultProxy): FaultLogEntry[] {
  return proxy.stats.log.filter((e) => e.method !== "GET" && e.method !== "HEAD");
}

/** Blob upload requests that carried bytes (not a mount): a POST without mount=, PATCH, PUT. */
export function uploads(proxy: FaultProxy): FaultLogEntry[] {
  return proxy.stats.log.filter((e) => e.path.includes("/blobs/uploads/") && !e.path.includes("mount=") && e.method !== "POST");
}

/** Cross-repository mounts the registry granted (201), by digest. */
export function mounts(proxy: FaultProxy): Array<{ digest: string; from: string; status?: number }> {
  return proxy.stats.log
    .filter((e) => e.method === "POST" && e.path.includes("mount="))
    .map((e) => {
      const query = new URLSearchParams(e.path.slice(e.path.indexOf("?") + 1));
      return { digest: query.get("mount")!, from: query.get("from")!, ...(e.status !== undefined ? { status: e.status } : {}) };
    });
}

/** The config and layer digests of a manifest held in a registry. */
export async function blobsOf(client: RegistryClient, repo: { registry: string; repository: string }, digest: Digest): Promise<string[]> {
  const manifest = JSON.parse((await client.getManifest({ ...repo, digest })).bytes.toString()) as { config: Descriptor; layers: Descriptor[] };
  return [manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
}
