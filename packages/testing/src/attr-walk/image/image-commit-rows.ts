import { expect } from "vitest";
import type { AttrCase } from "../types.js";
import { BUILD_EPOCH } from "./build-epoch.js";
import { config, json, layerMtimes, manifest, rootDescriptor, type OciArtifact } from "./image-artifact.js";

const K = "org.example.walk";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

type Row = AttrCase<OciArtifact>;

/** The annotation rows: each lands on one document, as BuildKit's writer.go and exporter/oci/export.go put it. */
function annotationRow(key: string, attr: string, where: string, read: (a: OciArtifact) => Record<string, string> | undefined, variant?: string): Row {
  return {
    key,
    with: { [attr]: "v" },
    ...(variant ? { variant } : {}),
    expect: `${K}=v in the ${where}'s annotations`,
    differs: (without, withIt) => {
      expect(read(without)?.[K]).toBeUndefined();
      expect(read(withIt)?.[K]).toBe("v");
    },
  };
}

const rootIndex = (a: OciArtifact) => {
  const root = rootDescriptor(a);
  expect(root.mediaType).toBe(OCI_INDEX);
  return root;
};

/**
 * Rows for the keys every image-writing exporter shares (`@exp/image-writer`'s imageCommitKeys but
 * `name`, whose effect depends on the exporter), read from an OciArtifact: an OCI layout, or an
 * image read back from a store or registry into one (index.json holding the root descriptor). The
 * "on-base" variant must build FROM a gzip base image, "multi-platform" linux/amd64 and arm64;
 * the build's SOURCE_DATE_EPOCH is BUILD_EPOCH and the context's files are newer.
 */
/** The attestation manifest of an "attested" export (the index's entry of platform unknown/unknown). */
const attestationManifest = (a: OciArtifact) => {
  const index = json<{ manifests: Array<{ digest: string; platform?: { os: string } }> }>(a, rootIndex(a).digest);
  const entry = index.manifests.find((m) => m.platform?.os === "unknown");
  expect(entry, "an attestation manifest in the index").toBeDefined();
  return json<{ artifactType?: string; subject?: { digest: string }; config: { mediaType: string }; layers: Array<{ annotations: Record<string, string> }> }>(a, entry!.digest);
};

export const imageCommitRows: readonly Row[] = [
  {
    key: "oci-artifact",
    with: { "oci-artifact": "false" },
    variant: "attested",
    expect: "the attestation manifest without artifactType and subject, with an unknown/unknown image config instead of the OCI empty one",
    differs: (without, withIt) => {
      expect(attestationManifest(without)).toMatchObject({ artifactType: "application/vnd.docker.attestation.manifest.v1+json", config: { mediaType: "application/vnd.oci.empty.v1+json" } });
      expect(attestationManifest(without).subject).toBeDefined();
      const legacy = attestationManifest(withIt);
      expect(legacy.artifactType).toBeUndefined();
      expect(legacy.subject).toBeUndefined();
      expect(legacy.config.mediaType).toBe("application/vnd.oci.image.config.v1+json");
    },
  },
  {
    key: "attestation-inline",
    base: { "attestation-inline": "false" },
    with: { "attestation-inline": "true" },
    variant: "attested",
    expect: "the inline-only provenance statement written beside the SBOM",
    differs: (without, withIt) => {
      const types = (a: OciArtifact) => attestationManifest(a).layers.map((l) => l.annotations["in-toto.io/predicate-type"]);
      expect(types(without)).toEqual(["https://spdx.dev/Document"]);
      expect(types(withIt)).toEqual(["https://spdx.dev/Document", "https://slsa.dev/provenance/v0.2"]);
    },
  },
  {
    key: "oci-mediatypes",
    with: { "oci-mediatypes": "false" },
    expect: "Docker schema2 manifest, config and layer media types",
    differs: (without, withIt) => {
      expect(manifest(without).mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
      expect(manifest(withIt).mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
      expect(manifest(withIt).config.mediaType).toBe("application/vnd.docker.container.image.v1+json");
      expect(manifest(withIt).layers.map((l) => l.mediaType)).toEqual(manifest(without).layers.map(() => "application/vnd.docker.image.rootfs.diff.tar.gzip"));
    },
  },
  {
    key: "compression",
    with: { compression: "zstd" },
    expect: "zstd layers (media type +zstd), same diff_ids",
    differs: (without, withIt) => {
      expect(manifest(withIt).layers.map((l) => l.mediaType)).toEqual(manifest(without).layers.map(() => "application/vnd.oci.image.layer.v1.tar+zstd"));
      expect(config(withIt).rootfs.diff_ids).toEqual(config(without).rootfs.diff_ids);
    },
  },
  {
    key: "compression-level",
    with: { "compression-level": "0" },
    expect: "other layer blobs (gzip level 0 stores), same media types and diff_ids, so the same config",
    differs: (without, withIt) => {
      const [a, b] = [manifest(without), manifest(withIt)];
      expect(b.layers.map((l) => l.mediaType)).toEqual(a.layers.map((l) => l.mediaType));
      for (const [i, layer] of b.layers.entries()) {
        expect(layer.digest).not.toBe(a.layers[i]!.digest);
        expect(layer.size).toBeGreaterThan(a.layers[i]!.size);
      }
      expect(b.config.digest).toBe(a.config.digest);
    },
  },
  {
    key: "force-compression",
    base: { compression: "zstd" },
    with: { "force-compression": "true" },
    variant: "on-base",
    // The base image's layers keep their gzip blobs unless forced (BuildKit's opts.go RefCfg.Compression.Force).
    expect: "the base image's gzip layer recompressed to zstd",
    differs: (without, withIt) => {
      expect(manifest(without).layers.map((l) => l.mediaType)).toEqual(["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+zstd"]);
      expect(manifest(withIt).layers.map((l) => l.mediaType)).toEqual(["application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.oci.image.layer.v1.tar+zstd"]);
      expect(config(withIt).rootfs.diff_ids).toEqual(config(without).rootfs.diff_ids);
    },
  },
  {
    key: "rewrite-timestamp",
    with: { "rewrite-timestamp": "true" },
    // writer.go rewriteRemoteWithEpoch: file times later than the epoch are set to it.
    expect: "every file time in the layer clamped to the epoch, so another layer and diff_id",
    differs: (without, withIt) => {
      const before = [...layerMtimes(without, manifest(without).layers[0]!).values()];
      const after = [...layerMtimes(withIt, manifest(withIt).layers[0]!).values()];
      expect(before.some((t) => t > BUILD_EPOCH)).toBe(true);
      expect(after.length).toBe(before.length);
      expect(after.every((t) => t <= BUILD_EPOCH)).toBe(true);
      expect(config(withIt).rootfs.diff_ids).not.toEqual(config(without).rootfs.diff_ids);
    },
  },
  {
    key: "source-date-epoch",
    with: { "source-date-epoch": "1600000000" },
    expect: "the config's created is the attr's epoch, not the build's",
    differs: (without, withIt) => {
      expect(config(without).created).toBe("2023-11-14T22:13:20Z");
      expect(config(withIt).created).toBe("2020-09-13T12:26:40Z");
    },
  },
  annotationRow("annotation.", `annotation.${K}`, "manifest", (a) => manifest(a).annotations),
  annotationRow("annotation-manifest.", `annotation-manifest.${K}`, "manifest", (a) => manifest(a).annotations),
  annotationRow("annotation-manifest[", `annotation-manifest[linux/amd64].${K}`, "manifest", (a) => manifest(a).annotations),
  annotationRow("annotation-manifest-descriptor.", `annotation-manifest-descriptor.${K}`, "manifest descriptor (index.json)", (a) => rootDescriptor(a).annotations),
  annotationRow("annotation-manifest-descriptor[", `annotation-manifest-descriptor[linux/amd64].${K}`, "manifest descriptor (index.json)", (a) => rootDescriptor(a).annotations),
  annotationRow("annotation-index.", `annotation-index.${K}`, "index", (a) => json<{ annotations?: Record<string, string> }>(a, rootIndex(a).digest).annotations, "multi-platform"),
  annotationRow("annotation-index[", `annotation-index[linux/arm64].${K}`, "index", (a) => json<{ annotations?: Record<string, string> }>(a, rootIndex(a).digest).annotations, "multi-platform"),
  annotationRow("annotation-index-descriptor.", `annotation-index-descriptor.${K}`, "index descriptor (index.json)", (a) => rootIndex(a).annotations, "multi-platform"),
  annotationRow("annotation-index-descriptor[", `annotation-index-descriptor[linux/amd64].${K}`, "index descriptor (index.json)", (a) => rootIndex(a).annotations, "multi-platform"),
];
