import { isIndexMediaType, isManifestMediaType, normalizePlatform, type Descriptor, type ImageReference, type ManifestRef, type Platform, type RegistryApi } from "@exp/oci-spec";
import { DescriptorSizeMismatchError, UnsupportedSourceError } from "./imagetools-errors.js";
import { runAll } from "./parallel.js";
import { parseJson, readBlob } from "./read-blob.js";
import type { SourceSpec } from "./sources.js";

/** A source read from its registry: its descriptor (merged with the one given) and its exact bytes. */
export interface FetchedSource {
  readonly text: string;
  /** The repository it is read from (with its tag or digest as written). */
  readonly ref: ImageReference;
  readonly desc: Descriptor;
  readonly bytes: Buffer;
}

/** The manifest a reference names: by digest when it has one, else by tag. */
export function manifestRef(ref: ImageReference): ManifestRef {
  return { registry: ref.registry, repository: ref.repository, ...(ref.digest ? { digest: ref.digest } : { tag: ref.tag ?? "latest" }) };
}

/**
 * Resolves every source at once (buildx's Resolve, then Combine's GetDescriptor): the registry's
 * descriptor with a given one merged over it (buildx's mergeDesc), and for an image manifest
 * without a full platform the platform its config names (buildx's loadPlatform), so that the
 * index lists it. Schema 1 manifests and documents that are neither a manifest nor an index are
 * refused.
 */
export async function fetchSources(client: RegistryApi, sources: readonly SourceSpec[], signal: AbortSignal | undefined): Promise<FetchedSource[]> {
  return runAll(
    sources.map((source) => async (inner: AbortSignal) => {
      const ref = source.ref!;
      const fetched = await client.getManifest(manifestRef(ref), { signal: inner });
      let desc: Descriptor = source.given ? mergeDesc(fetched.descriptor, source.given) : { ...fetched.descriptor };
      if (isManifestMediaType(desc.mediaType)) {
        const platform: Partial<Platform> = { ...desc.platform };
        if (!platform.os || !platform.architecture) Object.assign(platform, await configPlatform(client, ref, fetched.bytes, platform, inner));
        desc = { ...desc, platform: platform as Platform };
      } else if (!isIndexMediaType(desc.mediaType)) {
        throw new UnsupportedSourceError(ref.toString(), desc.mediaType);
      }
      return { text: source.text, ref, desc, bytes: fetched.bytes };
    }),
    signal,
  );
}

/** buildx's mergeDesc: the given size must agree; its media type, annotations (whole) and platform win. */
function mergeDesc(registry: Descriptor, given: Partial<Descriptor>): Descriptor {
  if (given.size !== undefined && given.size !== 0 && given.size !== registry.size) throw new DescriptorSizeMismatchError(registry.digest, given.size, registry.size);
  const merged: Descriptor = { ...registry };
  if (given.mediaType) merged.mediaType = given.mediaType;
  if (given.annotations && Object.keys(given.annotations).length > 0) merged.annotations = { ...given.annotations };
  if (given.platform) merged.platform = { ...given.platform };
  return merged;
}

/** The platform fields the manifest's config fills in where the descriptor left them empty (buildx's loadPlatform). */
async function configPlatform(client: RegistryApi, ref: ImageReference, manifestBytes: Buffer, have: Partial<Platform>, signal: AbortSignal): Promise<Partial<Platform>> {
  const manifest = parseJson(manifestBytes, `manifest ${ref.toString()}`) as { config?: Descriptor };
  if (!manifest.config?.digest) return {};
  const config = parseJson(await readBlob(client, ref, manifest.config, signal), `config ${manifest.config.digest} of ${ref.name}`) as Partial<Platform>;
  const normalized = config.os && config.architecture ? normalizePlatform({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }) : config;
  const out: Partial<Platform> = {};
  if (!have.architecture && normalized.architecture) {
    out.architecture = normalized.architecture;
    if (!have.variant && normalized.variant) out.variant = normalized.variant;
  }
  if (!have.os && normalized.os) out.os = normalized.os;
  return out;
}
