import type { ContentStore } from "@exp/content";
import { ExpError } from "@exp/errors";
import { digestOf, formatPlatform, parseImageConfig, parseManifestOrIndex, platformKey, type Descriptor, type Digest, type Platform } from "@exp/oci-spec";
import type { ImageConfigJSON } from "../exporter/source.js";
import type { Layer } from "../layers/layer.js";
import { remoteLayer } from "../layers/remote-layer.js";
import type { BlobFetcher } from "./blob-fetcher.js";

/** A base image resolved to one platform: what FROM gives a build. */
export interface BaseImage {
  /** The platform-specific manifest: it identifies the base in cache keys. */
  readonly manifest: Descriptor;
  /**
   * The digest the reference resolved to: an index's when it names one, else the manifest's.
   * What a `FROM name@digest` pin would name, and what provenance records as the material.
   */
  readonly resolvedDigest: Digest;
  readonly config: ImageConfigJSON;
  /** The config as stored, for exporters that keep a base's digest. */
  readonly configDescriptor: Descriptor;
  readonly layers: readonly Layer[];
  readonly platform: Platform;
  /** E.g. a single-platform image of another platform: used as it is, as BuildKit does, with a warning. */
  readonly warnings: readonly string[];
}

export class PlatformNotFoundError extends ExpError {
  constructor(image: string, wanted: Platform, available: readonly string[]) {
    super("ERR_PLATFORM_NOT_FOUND", `${image} has no image for ${formatPlatform(wanted)}; it has: ${available.join(", ") || "none"}`);
  }
}

/**
 * Reads an image's manifest (choosing the platform from an index, recursively), its config and
 * its layer list. Layers stay lazy: nothing but small JSON documents is fetched here.
 */
export async function resolveImage(fetcher: BlobFetcher, platform: Platform, options: { store: ContentStore; lease?: string; signal?: AbortSignal }): Promise<BaseImage> {
  const signal = options.signal ? { signal: options.signal } : {};
  let { descriptor, bytes } = await fetcher.root(signal);
  const resolvedDigest = descriptor.digest ?? digestOf(bytes);
  for (let depth = 0; ; depth++) {
    const document = parseManifestOrIndex(bytes, { mediaType: descriptor.mediaType });
    if (document.kind === "oci-index" || document.kind === "docker-manifest-list") {
      if (depth > 3) throw new ExpError("ERR_INVALID_IMAGE", `${fetcher.name}: indexes nested more than 3 deep`);
      const wanted = platformKey(platform);
      const candidates = document.document.manifests.filter((m) => m.platform !== undefined && (m.annotations?.["vnd.docker.reference.type"] ?? "") !== "attestation-manifest");
      const match = candidates.find((m) => platformKey(m.platform!) === wanted);
      if (!match) throw new PlatformNotFoundError(fetcher.name, platform, candidates.map((m) => platformKey(m.platform!)));
      descriptor = match as Descriptor;
      bytes = await fetcher.fetchDocument(descriptor, signal);
      continue;
    }
    const manifest = document.document;
    const configDescriptor = manifest.config as Descriptor;
    const configBytes = await fetcher.fetchDocument(configDescriptor, signal);
    const config = parseImageConfig(configBytes) as unknown as ImageConfigJSON;
    const diffIDs = (config.rootfs as { diff_ids?: Digest[] } | undefined)?.diff_ids ?? [];
    if (diffIDs.length !== manifest.layers.length) {
      throw new ExpError("ERR_INVALID_IMAGE", `${fetcher.name}: the config lists ${diffIDs.length} diff_ids for ${manifest.layers.length} layers`);
    }
    const warnings: string[] = [];
    const imagePlatform = { os: config.os, architecture: config.architecture, ...(typeof config.variant === "string" ? { variant: config.variant } : {}) };
    if (platformKey(imagePlatform) !== platformKey(platform)) {
      warnings.push(`${fetcher.name} is ${platformKey(imagePlatform)}, not the requested ${platformKey(platform)}; it is used as it is`);
    }
    const history = nonEmptyHistory(config);
    const layers = manifest.layers.map((layer, i) =>
      remoteLayer({
        fetcher,
        descriptor: layer as Descriptor,
        diffID: diffIDs[i]!,
        store: options.store,
        ...(options.lease ? { lease: options.lease } : {}),
        ...(history[i]?.created ? { createdAt: new Date(history[i]!.created!) } : {}),
        ...(history[i]?.created_by ? { description: history[i]!.created_by! } : {}),
      }),
    );
    return { manifest: { ...descriptor, digest: descriptor.digest ?? digestOf(bytes) }, resolvedDigest, config, configDescriptor, layers, platform, warnings };
  }
}

/** History entries that made a layer, in order (empty_layer ones made none). */
function nonEmptyHistory(config: ImageConfigJSON): Array<{ created?: string; created_by?: string }> {
  const history = (config.history as Array<{ created?: string; created_by?: string; empty_layer?: boolean }> | undefined) ?? [];
  return history.filter((h) => !h.empty_layer);
}
