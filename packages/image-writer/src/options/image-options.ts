import { InvalidOptionError } from "@exp/errors";
import { parseReference, type ImageReference } from "@exp/oci-spec";
import { AttrReader, compressionTypes, type CompressionRequest, type ExportSource } from "@exp/solver";
import { parseAnnotations, type Annotation } from "./annotations.js";

/** The keys every image-writing exporter shares (image, registry, oci, docker). */
export const imageCommitKeys = [
  "name",
  "oci-mediatypes",
  "oci-artifact",
  "attestation-inline",
  "compression",
  "compression-level",
  "force-compression",
  "rewrite-timestamp",
  "source-date-epoch",
  "annotation.",
  "annotation-manifest.",
  "annotation-manifest[",
  "annotation-manifest-descriptor.",
  "annotation-manifest-descriptor[",
  "annotation-index.",
  "annotation-index[",
  "annotation-index-descriptor.",
  "annotation-index-descriptor[",
] as const;

export interface ImageCommitOptions {
  /** Raw `name=` values (comma list); `*` means the front end's names. */
  names: string[];
  ociMediaTypes: boolean;
  /** `oci-artifact`: attestation manifests carry `artifactType` and `subject`, with the empty config. */
  ociArtifact: boolean;
  /** `attestation-inline`: attestations marked inline-only are written too (the image exporter's default). */
  attestationInline: boolean;
  compression: CompressionRequest;
  rewriteTimestamp: boolean;
  sourceDateEpoch?: number;
  annotations: Annotation[];
}

/**
 * Parses and checks the shared keys. Combinations BuildKit refuses are refused here, before any
 * work: zstd (or annotations) with Docker media types, compression levels out of range.
 */
export function parseImageCommitOptions(reader: AttrReader, attrs: Readonly<Record<string, string>>, defaults: { ociMediaTypes: boolean; attestationInline: boolean }): ImageCommitOptions {
  const component = reader.component;
  const names = (reader.string("name") ?? "").split(",").map((n) => n.trim()).filter(Boolean);
  // Checked now, so a typo in a name fails before the build rather than after it (`*` is the
  // front end's names, known only at export time, and checked then).
  for (const name of names) if (name !== "*") parseReference(name);
  const type = reader.oneOf("compression", compressionTypes, "gzip");
  const level = reader.int("compression-level", type === "zstd" ? { min: 0, max: 22 } : { min: 0, max: 9 });
  const force = reader.bool("force-compression", false);
  const ociExplicit = reader.has("oci-mediatypes");
  const ociMediaTypes = reader.bool("oci-mediatypes", defaults.ociMediaTypes);
  if (!ociMediaTypes && ociExplicit && type === "zstd") {
    throw new InvalidOptionError(component, "compression", "zstd", "gzip or uncompressed with oci-mediatypes=false (zstd layers need OCI media types)");
  }
  // BuildKit's DefaultOCIArtifact (exporter/containerimage/export.go): on with OCI types, at the
  // compatibility version whose defaults exp follows (oci-mediatypes=true, 31 and later).
  const ociArtifact = reader.bool("oci-artifact", ociMediaTypes);
  if (ociArtifact && !ociMediaTypes) {
    throw new InvalidOptionError(component, "oci-artifact", "true", "false with oci-mediatypes=false (an attestation manifest with artifactType and subject is an OCI 1.1 manifest)");
  }
  const epochText = reader.string("source-date-epoch");
  if (epochText !== undefined && !/^\d+$/.test(epochText)) throw new InvalidOptionError(component, "source-date-epoch", epochText, "seconds since the Unix epoch");
  // Read through the reader, so its record of read keys holds them (an option-table walk checks it).
  const annotations = parseAnnotations(component, reader.startingWith("annotation"));
  // exporter/containerimage/writer.go (Commit): with Docker media types BuildKit refuses only the
  // annotations that need an OCI index or descriptor; manifest ones (`annotation.` is one) go into
  // the Docker manifest's `annotations`, as commitDistributionManifest writes them.
  const misfit = ociMediaTypes ? undefined : annotations.find((a) => a.target !== "manifest");
  if (misfit) {
    const attr = `annotation-${misfit.target}${misfit.platform === undefined ? "" : `[${misfit.platform}]`}.${misfit.key}`;
    throw new InvalidOptionError(
      component,
      "oci-mediatypes",
      "false",
      `true when ${attr} is set (with Docker media types only manifest annotations, annotation.<key> or annotation-manifest.<key>, can be exported; index, index-descriptor and manifest-descriptor ones cannot)`,
    );
  }
  return {
    names,
    ociMediaTypes,
    ociArtifact,
    attestationInline: reader.bool("attestation-inline", defaults.attestationInline),
    compression: { type, ...(level === undefined ? {} : { level }), force },
    rewriteTimestamp: reader.bool("rewrite-timestamp", false),
    ...(epochText === undefined ? {} : { sourceDateEpoch: Number(epochText) }),
    annotations,
  };
}

/** Expands `*` to the front end's names and parses each; a bad name is a typed error naming it. */
export function resolveNames(names: readonly string[], source: ExportSource): ImageReference[] {
  const expanded = names.flatMap((n) => (n === "*" ? [...(source.metadata.imageNames ?? [])] : [n]));
  return [...new Set(expanded)].map((n) => parseReference(n));
}

/** True when the name was written with a tag (parseReference adds `latest` to names without one). */
export function hasExplicitTag(name: string): boolean {
  const last = name.split("@")[0]!.split("/").at(-1)!;
  return last.includes(":");
}
