import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport } from "@exp/coordinator";
import { buildImage } from "@exp/dockerfile";
import { OCI_EMPTY_DIGEST, type Digest } from "@exp/oci-spec";
import type { ExportSource, InTotoAttestation } from "@exp/solver";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { imageExporter, registryExporter } from "./image-exporter.js";

const fixtures = join(import.meta.dirname, "__fixtures__");
const sbom: InTotoAttestation = { predicateType: "https://spdx.dev/Document", path: "sbom.spdx.json", predicate: { spdxVersion: "SPDX-2.3", name: "test" } };
const provenance: InTotoAttestation = { predicateType: "https://slsa.dev/provenance/v0.2", path: "provenance.json", predicate: { buildType: "https://mobyproject.org/buildkit@v1" }, inlineOnly: true };

function skopeo(args: string[]): string {
  return execFileSync("skopeo", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A document's shape: digests (but the OCI empty config's) and sizes replaced by placeholders, so exp's and BuildKit's compare. */
function shape(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => shape(v));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v, k)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  if (key === "size" && typeof value === "number") return "<size>";
  if (typeof value === "string" && /^sha256:[0-9a-f]{64}$/.test(value) && value !== OCI_EMPTY_DIGEST) return "<digest>";
  return value;
}

describe.skipIf(skipUnlessTools("skopeo", "docker-registry"))("attestations in the image index, as BuildKit lays them out", () => {
  let dir: string;
  let store: ContentStore;
  let registry: TestRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-attestations-"));
    store = await openContentStore(join(dir, "store"));
    registry = await startRegistry();
    await mkdir(join(dir, "context"), { recursive: true });
    await writeFile(join(dir, "context", "a.txt"), "a\n");
    await writeFile(join(dir, "context", "Dockerfile"), "FROM scratch\nCOPY a.txt /\n");
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function exportAttested(exporter: typeof registryExporter, attrs: Record<string, string>, attestations: InTotoAttestation[] = [sbom]) {
    const built = await buildImage({ context: join(dir, "context"), store, sourceDateEpoch: 1_700_000_000 });
    const source: ExportSource = { ...built.source, results: built.source.results.map((r) => ({ ...r, attestations })) };
    try {
      return await runExport({ source, exporters: [exporter.resolve(attrs)], store });
    } finally {
      await store.leases.release(built.lease);
    }
  }

  /** Every manifest and blob of the pushed index, copied by skopeo (which fails on any missing one). */
  async function pulled(ref: string) {
    const layout = join(dir, `pulled-${Math.random().toString(36).slice(2)}`);
    skopeo(["copy", "--all", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:x`]);
    const blob = async (digest: string) => readFile(join(layout, "blobs", "sha256", digest.slice("sha256:".length)), "utf8");
    const index = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]));
    return { index, blob };
  }

  it("pushes a single platform as an index with its attestation manifest (oci-artifact), shaped as BuildKit's documented example", async () => {
    const ref = `${registry.host}/attested:v1`;
    await exportAttested(registryExporter, { name: ref });
    const { index, blob } = await pulled(ref);
    expect(index.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    const bkIndex = JSON.parse(await readFile(join(fixtures, "buildkit-attestation-index.json"), "utf8"));
    expect(shape(index)).toEqual(shape(bkIndex));
    const [image, attestation] = index.manifests;
    expect(attestation.annotations["vnd.docker.reference.digest"]).toBe(image.digest);
    const manifest = JSON.parse(await blob(attestation.digest));
    const bkManifest = JSON.parse(await readFile(join(fixtures, "buildkit-attestation-manifest.json"), "utf8"));
    expect(shape(manifest)).toEqual(shape(bkManifest));
    expect(manifest.subject).toEqual({ mediaType: image.mediaType, digest: image.digest, size: image.size });
    const statement = JSON.parse(await blob(manifest.layers[0].digest));
    expect(statement).toEqual({
      _type: "https://in-toto.io/Statement/v1",
      predicateType: sbom.predicateType,
      subject: [{ name: `pkg:docker/${registry.host.replace(":", "%3A")}/attested@v1?platform=${encodeURIComponent(`${image.platform.os}/${image.platform.architecture}`)}`, digest: { sha256: image.digest.slice("sha256:".length) } }],
      predicate: sbom.predicate,
    });
  });

  it("writes the legacy layout with oci-artifact=false: an unknown/unknown image config, no subject", async () => {
    const ref = `${registry.host}/attested:legacy`;
    await exportAttested(registryExporter, { name: ref, "oci-artifact": "false" }, [sbom, provenance]);
    const { index, blob } = await pulled(ref);
    const manifest = JSON.parse(await blob(index.manifests[1].digest));
    expect(manifest.subject).toBeUndefined();
    expect(manifest.artifactType).toBeUndefined();
    expect(manifest.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    expect(manifest.layers.map((l: { annotations: Record<string, string> }) => l.annotations["in-toto.io/predicate-type"])).toEqual([sbom.predicateType, provenance.predicateType]);
    const config = JSON.parse(await blob(manifest.config.digest));
    expect(config).toEqual({ architecture: "unknown", os: "unknown", config: {}, rootfs: { type: "layers", diff_ids: manifest.layers.map((l: { digest: string }) => l.digest) } });
  });

  it("gives an unnamed image's statements one subject named _ with the manifest's digest", async () => {
    const outcome = await exportAttested(imageExporter, {});
    const index = JSON.parse((await store.readAll(outcome.response["containerimage.digest"] as Digest)).toString());
    const manifest = JSON.parse((await store.readAll(index.manifests[1].digest)).toString());
    const statement = JSON.parse((await store.readAll(manifest.layers[0].digest)).toString());
    expect(statement.subject).toEqual([{ name: "_", digest: { sha256: index.manifests[0].digest.slice(7) } }]);
  });

  it("lets a single attested platform take index annotations, since it is exported as an index", async () => {
    const outcome = await exportAttested(imageExporter, { "annotation-index.org.example.k": "v" });
    const index = JSON.parse((await store.readAll(outcome.response["containerimage.digest"] as Digest)).toString());
    expect(index.annotations).toEqual({ "org.example.k": "v" });
  });

  it("refuses attestations with oci-mediatypes=false before writing anything", async () => {
    const failure = await exportAttested(imageExporter, { "oci-mediatypes": "false" }).then(() => undefined, (e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_INVALID_OPTION", message: expect.stringContaining("cannot export attestations with oci-mediatypes=false") });
    expect(() => imageExporter.resolve({ "oci-mediatypes": "false", "oci-artifact": "true" })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION", key: "oci-artifact" }));
  });

  it("writes inline-only attestations only with attestation-inline (the image exporter's default)", async () => {
    const kept = await exportAttested(imageExporter, {}, [provenance]);
    expect(JSON.parse((await store.readAll(kept.response["containerimage.digest"] as Digest)).toString()).manifests).toHaveLength(2);
    const dropped = await exportAttested(imageExporter, { "attestation-inline": "false" }, [provenance]);
    const root = JSON.parse((await store.readAll(dropped.response["containerimage.digest"] as Digest)).toString());
    expect(root.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
  });

  // referrers=true on a registry without the referrers API (docker-registry 2.8).
  const get = async (path: string) => fetch(`${registry.url}/v2/${path}`, { headers: { accept: "application/vnd.oci.image.index.v1+json" } });

  it("keeps the sha256-<hex> referrers tag listing each attestation manifest, adding to what is there", async () => {
    const ref = `${registry.host}/ref/app:1`;
    await exportAttested(registryExporter, { name: ref, referrers: "true" }, [sbom]);
    const index = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]));
    const [image, attestation] = index.manifests;
    // The premise: this registry has no referrers API.
    expect((await get(`ref/app/referrers/${image.digest}`)).status).toBe(404);
    const tag = image.digest.replace(":", "-");
    const referrers = (await (await get(`ref/app/manifests/${tag}`)).json()) as { mediaType: string; manifests: Array<Record<string, unknown>> };
    expect(referrers).toEqual({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ mediaType: attestation.mediaType, digest: attestation.digest, size: attestation.size, artifactType: "application/vnd.docker.attestation.manifest.v1+json" }] });
    // Another attestation of the same image (same manifest: same epoch) is added beside the first.
    await exportAttested(registryExporter, { name: ref, referrers: "true" }, [provenance]);
    const again = (await (await get(`ref/app/manifests/${tag}`)).json()) as { manifests: Array<{ digest: string }> };
    expect(again.manifests).toHaveLength(2);
    expect(again.manifests[0]!.digest).toBe(attestation.digest);
  });

  it("writes no referrers tag without the option, and refuses it with oci-artifact=false", async () => {
    const ref = `${registry.host}/ref/plain:1`;
    await exportAttested(registryExporter, { name: ref }, [sbom]);
    const image = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${ref}`])).manifests[0];
    expect((await get(`ref/plain/manifests/${image.digest.replace(":", "-")}`)).status).toBe(404);
    expect(() => registryExporter.resolve({ name: ref, referrers: "true", "oci-artifact": "false" })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION", key: "referrers" }));
  });
});
