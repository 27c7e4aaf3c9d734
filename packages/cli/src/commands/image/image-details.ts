import type { ContentStore } from "@exp/content";
import { isIndexMediaType, isManifestMediaType, type Descriptor, type Digest } from "@exp/oci-spec";

/** What `exp image ls` shows of an image besides its name and size. */
export interface ImageDetails {
  /**
   * The image ID: the config digest of a single-platform image (what `exp build -q` prints and
   * classic `docker image ls` shows), also when its attestations make it an index; the index
   * digest of a multi-platform one (which has no one config, as docker's containerd image store
   * shows it).
   */
  id: Digest;
  /** The config's `created`; undefined when the image has none or it cannot be read. */
  created?: Date;
  /** `os/architecture[/variant]` of each image in it. */
  platforms: string[];
}

interface PlatformJson {
  os?: unknown;
  architecture?: unknown;
  variant?: unknown;
}

/**
 * Reads the manifest (or index, then its first image's manifest) and config the root names. An
 * image whose documents are missing or unreadable is still listed, by its root's digest, so
 * `exp image ls` shows everything `exp image rm` can remove.
 */
export async function readImageDetails(store: ContentStore, root: Descriptor, signal?: AbortSignal): Promise<ImageDetails> {
  const options = signal ? { signal } : {};
  try {
    if (isIndexMediaType(root.mediaType)) {
      const index = (await readJson(store, root.digest, options)) as { manifests?: Array<Descriptor & { platform?: PlatformJson }> };
      // Attestation manifests carry the platform unknown/unknown.
      const images = (index.manifests ?? []).filter((m) => m.platform?.os !== "unknown");
      const first = images.find((m) => isManifestMediaType(m.mediaType));
      const config = first ? await readConfig(store, first.digest, options) : undefined;
      const id = images.length === 1 && config?.digest ? config.digest : root.digest;
      return { id, ...(config?.created ? { created: config.created } : {}), platforms: images.map((m) => platformText(m.platform ?? {})).filter((p) => p !== "") };
    }
    if (isManifestMediaType(root.mediaType)) {
      const config = await readConfig(store, root.digest, options);
      if (!config.digest) return { id: root.digest, platforms: [] };
      return { id: config.digest, ...(config.created ? { created: config.created } : {}), platforms: config.platform ? [config.platform] : [] };
    }
  } catch {
    // Listed by its root's digest below.
  }
  return { id: root.digest, platforms: [] };
}

/** The config a manifest names: its digest, creation time and platform. */
async function readConfig(store: ContentStore, manifestDigest: Digest, options: { signal?: AbortSignal }): Promise<{ digest?: Digest; created?: Date; platform?: string }> {
  const manifest = (await readJson(store, manifestDigest, options)) as { config?: Descriptor };
  if (!manifest.config?.digest) return {};
  const config = (await readJson(store, manifest.config.digest, options)) as PlatformJson & { created?: unknown };
  const created = typeof config.created === "string" ? new Date(config.created) : undefined;
  const platform = platformText(config);
  return { digest: manifest.config.digest, ...(created && !Number.isNaN(created.getTime()) ? { created } : {}), ...(platform ? { platform } : {}) };
}

async function readJson(store: ContentStore, digest: Digest, options: { signal?: AbortSignal }): Promise<Record<string, unknown>> {
  const value = JSON.parse((await store.readAll(digest, options)).toString("utf8")) as unknown;
  if (typeof value !== "object" || value === null) throw new TypeError(`${digest} is not a JSON object`);
  return value as Record<string, unknown>;
}

function platformText(platform: PlatformJson): string {
  if (typeof platform.os !== "string" || typeof platform.architecture !== "string") return "";
  return [platform.os, platform.architecture, ...(typeof platform.variant === "string" ? [platform.variant] : [])].join("/");
}

/** `sha256:0123…` -> `0123456789ab`, as docker shows image IDs. */
export function shortImageId(id: string): string {
  const hex = id.slice(id.indexOf(":") + 1);
  return hex.slice(0, 12);
}
