import {
  DOCKER_CONFIG,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_IMAGE_CONFIG,
  OCI_IMAGE_INDEX,
  OCI_IMAGE_MANIFEST,
  convertLayerMediaType,
  platformKey,
  type Descriptor,
  type Platform,
} from "@exp/oci-spec";
import { inTotoStatement, type ExportContext, type ExportSource, type InTotoSubject, type Layer, type LayerBlob, type PlatformResult } from "@exp/solver";
import { annotationsFor } from "../options/annotations.js";
import { exportedAttestations, writesIndex } from "../options/attestations-fit.js";
import { resolveNames, type ImageCommitOptions } from "../options/image-options.js";
import { commitAttestationManifest, type CommittedAttestations } from "./attestation-manifest.js";
import { imagePurl } from "@exp/oci-spec";
import { finalConfig, manifestLayer } from "./image-config.js";
import { rewriteTimestamps } from "./rewrite-timestamp.js";

export interface CommittedLayer {
  readonly layer: Layer;
  readonly blob: LayerBlob;
  /** As written in the manifest (media type converted, internal annotations removed). */
  readonly descriptor: Descriptor;
}

export interface CommittedPlatform {
  readonly platform: Platform;
  /** The platform's manifest; in an index entry it also carries `platform`. */
  readonly manifest: Descriptor;
  readonly config: Descriptor;
  readonly layers: readonly CommittedLayer[];
}

/** Everything the create phase wrote for one image export. */
export interface CommittedImage {
  /** The manifest of a single-platform export without attestations, else the index. */
  readonly root: Descriptor;
  readonly platforms: readonly CommittedPlatform[];
  /** The attestation manifests listed in the index after the platforms' manifests, one per attested platform. */
  readonly attestations: readonly CommittedAttestations[];
  readonly ociMediaTypes: boolean;
}

/**
 * The create phase shared by every image-writing exporter (image, registry, oci, docker): layer
 * blobs through the build's LayerBlobs (each compressed once, concurrently), one config and one
 * manifest per platform, and an index for a multi-platform export, all written into the content
 * store under `lease`.
 */
export async function commitImage(source: ExportSource, ctx: ExportContext, options: ImageCommitOptions, lease: string, blobOptions: { allowRemote?: boolean } = {}): Promise<CommittedImage> {
  const oci = options.ociMediaTypes;
  const epoch = options.sourceDateEpoch ?? source.metadata.sourceDateEpoch;
  // Every platform's layers first, as one "exporting layers" step (BuildKit's writer.go); the
  // compression of each shows under the exporter's vertex as it runs.
  const layersByResult = await exportedLayers(source, ctx, options, epoch, lease);
  const layersDone = ctx.progress.oneOff("layers", "exporting layers");
  const blobsByResult = await Promise.all(
    source.results.map((result, resultIndex) =>
      Promise.all(
        layersByResult[resultIndex]!.map((layer) =>
          ctx.blobs.get(layer, options.compression, { lease, signal: ctx.signal, progress: ctx.progress, ...(blobOptions.allowRemote ? { allowRemote: true } : {}) }),
        ),
      ),
    ),
  ).catch((error: unknown) => {
    layersDone(error);
    throw error;
  });
  layersDone();
  const platforms = await Promise.all(
    source.results.map(async (result, resultIndex) => {
      const blobs = blobsByResult[resultIndex]!;
      const layers = blobs.map((blob, i) => ({ layer: layersByResult[resultIndex]![i]!, blob, descriptor: manifestLayer(blob.descriptor, convertLayerMediaType(blob.descriptor.mediaType, { oci })) }));
      const inlineCache = ctx.inlineCache ? await ctx.inlineCache({ result, layers: blobs.map((b) => b.descriptor), signal: ctx.signal }) : undefined;
      const config = finalConfig(result.config, blobs, { ...(epoch === undefined ? {} : { sourceDateEpoch: epoch }), ...(inlineCache === undefined ? {} : { inlineCache }) });
      const configDescriptor = await writeDocument(ctx, config, oci ? OCI_IMAGE_CONFIG : DOCKER_CONFIG, lease, "exporting config");
      const key = platformKey(result.platform);
      const manifestType = oci ? OCI_IMAGE_MANIFEST : DOCKER_MANIFEST;
      const annotations = annotationsFor(options.annotations, "manifest", key);
      const manifest = await writeDocument(
        ctx,
        { schemaVersion: 2, mediaType: manifestType, config: configDescriptor, layers: layers.map((l) => l.descriptor), ...(annotations ? { annotations } : {}) },
        manifestType,
        lease,
        "exporting manifest",
      );
      const descriptorAnnotations = annotationsFor(options.annotations, "manifest-descriptor", key);
      return {
        platform: result.platform,
        manifest: { ...manifest, platform: result.platform, ...(descriptorAnnotations ? { annotations: descriptorAnnotations } : {}) },
        config: configDescriptor,
        layers,
      };
    }),
  );
  if (!writesIndex(options, source)) {
    const { platform: _platform, ...manifest } = platforms[0]!.manifest;
    return { root: withRootAnnotations(manifest, options), platforms, attestations: [], ociMediaTypes: oci };
  }
  const attestations: CommittedAttestations[] = [];
  for (const [i, result] of source.results.entries()) {
    const attested = await commitAttestations(ctx, result, platforms[i]!.manifest, options, lease, source);
    if (attested) attestations.push(attested);
  }
  const indexType = oci ? OCI_IMAGE_INDEX : DOCKER_MANIFEST_LIST;
  const indexAnnotations = annotationsFor(options.annotations, "index");
  const manifests = [...platforms.map((p) => p.manifest), ...attestations.map((a) => a.manifest)];
  const index = await writeDocument(ctx, { schemaVersion: 2, mediaType: indexType, manifests, ...(indexAnnotations ? { annotations: indexAnnotations } : {}) }, indexType, lease, "exporting manifest list");
  return { root: withRootAnnotations(index, options), platforms, attestations, ociMediaTypes: oci };
}

/**
 * A result's attestations as one attestation manifest about its image manifest, the statements'
 * subjects being each of the image's names as a package URL with that manifest's digest
 * (BuildKit's defaultSubjects in writer.go). An image without a name gets one subject named "_"
 * (BuildKit's name for a subject without one) where BuildKit writes none: a statement about
 * nothing attests nothing, and in-toto requires at least one subject.
 */
async function commitAttestations(ctx: ExportContext, result: PlatformResult, manifest: Descriptor, options: ImageCommitOptions, lease: string, source: ExportSource): Promise<CommittedAttestations | undefined> {
  const attestations = exportedAttestations(options, result);
  if (attestations.length === 0) return undefined;
  const [algorithm, encoded] = manifest.digest.split(":") as [string, string];
  const digest = { [algorithm]: encoded };
  const names = resolveNames(options.names, source);
  const subjects: InTotoSubject[] = names.length > 0 ? names.map((name) => ({ name: imagePurl(name, result.platform), digest })) : [{ name: "_", digest }];
  const statements = attestations.map((a) => inTotoStatement(a, subjects));
  const { platform: _platform, annotations: _annotations, ...subject } = manifest;
  return commitAttestationManifest(ctx, subject, statements, { ociMediaTypes: options.ociMediaTypes, ociArtifact: options.ociArtifact, lease });
}

/**
 * Each result's layers as they go into the image: the build's, or, with `rewrite-timestamp=true`
 * and an epoch, rewritten to it (rewrite-timestamp.ts). Without an epoch BuildKit only logs that
 * there is none; exp says so as a warning of the export.
 */
async function exportedLayers(source: ExportSource, ctx: ExportContext, options: ImageCommitOptions, epoch: number | undefined, lease: string): Promise<Array<readonly Layer[]>> {
  if (!options.rewriteTimestamp) return source.results.map((result) => result.ref.layers);
  if (epoch === undefined) {
    ctx.progress.warn("rewrite-timestamp is specified, but no source-date-epoch was found: the layers are exported as they are (set the SOURCE_DATE_EPOCH build arg or the source-date-epoch attribute)");
    return source.results.map((result) => result.ref.layers);
  }
  const done = ctx.progress.oneOff("rewrite-timestamp", `rewriting layers with source-date-epoch ${epoch} (${new Date(epoch * 1000).toISOString()})`);
  try {
    const layers = await Promise.all(
      source.results.map((result) => rewriteTimestamps(result.ref.layers, ctx, { epochSeconds: epoch, lease, ...(result.baseDiffIDs ? { baseDiffIDs: result.baseDiffIDs } : {}) })),
    );
    done();
    return layers;
  } catch (error) {
    done(error);
    throw error;
  }
}

/** `annotation-index-descriptor.*` go on the root descriptor (index.json of an OCI layout). */
function withRootAnnotations(root: Descriptor, options: ImageCommitOptions): Descriptor {
  const annotations = annotationsFor(options.annotations, "index-descriptor");
  return annotations ? { ...root, annotations } : root;
}

/** Writes a manifest, index or config, and reports it as BuildKit does: `exporting config sha256:…`. */
async function writeDocument(ctx: ExportContext, value: unknown, mediaType: string, lease: string, what: string): Promise<Descriptor> {
  const written = await ctx.store.writeBlob(JSON.stringify(value), { lease, mediaType, signal: ctx.signal });
  ctx.progress.oneOff(`${what}-${written.digest}`, `${what} ${written.digest}`)();
  return { mediaType, digest: written.digest, size: written.size };
}
