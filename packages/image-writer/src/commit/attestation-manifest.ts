import {
  ATTESTATION_MANIFEST_REFERENCE,
  ATTESTATION_PLATFORM,
  DOCKER_ATTESTATION_MANIFEST,
  DOCKER_CONFIG,
  DOCKER_MANIFEST,
  IN_TOTO,
  OCI_EMPTY,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_MANIFEST,
  PREDICATE_TYPE_ANNOTATION,
  REFERENCE_DIGEST_ANNOTATION,
  REFERENCE_TYPE_ANNOTATION,
  type Descriptor,
} from "@exp/oci-spec";
import type { ExportContext, InTotoStatement } from "@exp/solver";


/** One platform's attestations as written: a manifest whose layers are the statements. */
export interface CommittedAttestations {
  /** The image manifest the statements are about. */
  readonly subject: Descriptor;
  /** As listed in the index: platform unknown/unknown, and the two `vnd.docker.reference.*` annotations. */
  readonly manifest: Descriptor;
  /** The OCI empty descriptor with `oci-artifact`, else an image config of platform unknown/unknown. */
  readonly config: Descriptor;
  /** One `application/vnd.in-toto+json` layer per statement, annotated with its predicate type. */
  readonly layers: readonly Descriptor[];
}

export interface AttestationManifestOptions {
  readonly ociMediaTypes: boolean;
  /** `oci-artifact`: the manifest has `artifactType` and a `subject`, and the empty config. */
  readonly ociArtifact: boolean;
  readonly lease: string;
}

/**
 * Writes an attestation manifest as BuildKit's commitAttestationsManifest does
 * (exporter/containerimage/writer.go): each statement a layer, then the config, then the manifest.
 */
export async function commitAttestationManifest(ctx: ExportContext, subject: Descriptor, statements: readonly InTotoStatement[], options: AttestationManifestOptions): Promise<CommittedAttestations> {
  const write = async (value: string, mediaType: string) => {
    const written = await ctx.store.writeBlob(value, { lease: options.lease, mediaType, signal: ctx.signal });
    return { mediaType, digest: written.digest, size: written.size };
  };
  const layers: Descriptor[] = [];
  for (const statement of statements) {
    const layer = await write(JSON.stringify(statement), IN_TOTO);
    layers.push({ ...layer, annotations: { [PREDICATE_TYPE_ANNOTATION]: statement.predicateType } });
  }
  const config = options.ociArtifact
    ? // The OCI empty descriptor, with its content inline as image-spec suggests (`{}` is "e30=").
      { ...(await write("{}", OCI_EMPTY)), data: Buffer.from("{}").toString("base64") }
    : await write(JSON.stringify(attestationsConfig(layers)), options.ociMediaTypes ? OCI_IMAGE_CONFIG : DOCKER_CONFIG);
  const manifestType = options.ociMediaTypes ? OCI_IMAGE_MANIFEST : DOCKER_MANIFEST;
  const manifest = {
    schemaVersion: 2,
    mediaType: manifestType,
    ...(options.ociArtifact ? { artifactType: DOCKER_ATTESTATION_MANIFEST } : {}),
    config,
    layers,
    ...(options.ociArtifact ? { subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size } } : {}),
  };
  const written = await write(JSON.stringify(manifest), manifestType);
  ctx.progress.oneOff(`exporting-attestation-manifest-${written.digest}`, `exporting attestation manifest ${written.digest}`)();
  return {
    subject,
    manifest: {
      ...written,
      annotations: { [REFERENCE_DIGEST_ANNOTATION]: subject.digest, [REFERENCE_TYPE_ANNOTATION]: ATTESTATION_MANIFEST_REFERENCE },
      platform: { ...ATTESTATION_PLATFORM },
    },
    config,
    layers,
  };
}

/** BuildKit's attestationsConfig: platform unknown/unknown, one diff_id per statement (its own digest: it is stored uncompressed). */
function attestationsConfig(layers: readonly Descriptor[]): Record<string, unknown> {
  return { architecture: ATTESTATION_PLATFORM.architecture, os: ATTESTATION_PLATFORM.os, config: {}, rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) } };
}
