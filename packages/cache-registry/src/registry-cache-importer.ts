import type { Readable } from "node:stream";
import { cacheRootParts, checkCacheConfigSize, importedRecords, inlineCacheConfig, parseCacheConfig, parseCacheRoot, type CacheRootDocument, type ImportedChainLayer } from "@exp/cache-config";
import { isIndexMediaType, type Descriptor, type Digest } from "@exp/oci-spec";
import { createRegistryClient, parseReference, RegistryError } from "@exp/registry";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache } from "@exp/solver";

/**
 * `--cache-from type=registry,ref=<repo:tag>`: reads a registry cache (an image-manifest cache, or
 * the older index with the config last). Only the manifest and the config are fetched; layers stay
 * in the registry until an exporter needs them, and a push to the same registry mounts them.
 * An image with an inline cache (every platform of an index) is read too. A missing ref is "no cache".
 */
export const cacheImporter: CacheImporter = {
  type: "registry",
  resolve(attrs): CacheImporterInstance {
    const reader = new AttrReader("cache importer registry", attrs, ["ref", "registry.insecure"]);
    const ref = parseReference(reader.required("ref", "give the cache image, e.g. ref=registry.example/app:buildcache"));
    const insecure = reader.bool("registry.insecure", false);
    return {
      type: "registry",
      name: `importing cache manifest from ${ref.toString()}`,
      async load(ctx) {
        const client = insecure || !ctx.registry ? createRegistryClient({ insecure: insecure ? [ref.registry] : [] }) : ctx.registry;
        let root;
        try {
          root = await client.getManifest(ref, { signal: ctx.signal });
        } catch (error) {
          if (error instanceof RegistryError && error.status === 404) return undefined;
          throw error;
        }
        const readBlob = async (descriptor: Descriptor): Promise<Buffer> => {
          const chunks: Buffer[] = [];
          for await (const chunk of await client.getBlob(ref, descriptor, { signal: ctx.signal })) chunks.push(chunk as Buffer);
          // Read (and verified) from there, so a re-export of the same config to it needs no HEAD.
          client.rememberBlob(ref, descriptor.digest);
          return Buffer.concat(chunks);
        };
        const document = parseCacheRoot(root.bytes, root.descriptor.digest, ref.toString()) as CacheRootDocument & { mediaType?: string };
        const parts = cacheRootParts(document);
        // A config larger than BuildKit's limit is refused before it is downloaded, not after.
        if (parts) checkCacheConfigSize(parts.config);
        // No cache config: an image, whose config may carry an inline cache (every platform of an index is read).
        const sources = parts
          ? [{ config: parseCacheConfig(await readBlob(parts.config)), layers: parts.layers }]
          : await inlineSources(document, root.descriptor.mediaType);
        const results = new Map<Digest, ImportedChainLayer[]>();
        const inputs = new Map<Digest, Digest[]>();
        const layerDescriptors: Descriptor[] = [];
        for (const source of sources) {
          const found = await importedRecords(source.config, source.layers);
          for (const [key, chain] of found.results) results.set(key, chain);
          for (const [key, keys] of found.inputs) if (!inputs.has(key)) inputs.set(key, keys);
          layerDescriptors.push(...source.layers);
        }
        if (sources.length === 0) return undefined;

        async function inlineSources(doc: CacheRootDocument, mediaType: string) {
          const manifests = isIndexMediaType(mediaType)
            ? await Promise.all((doc.manifests ?? []).map(async (m) => parseCacheRoot((await client.getManifest(ref.withDigest(m.digest), { signal: ctx.signal })).bytes, m.digest, ref.toString())))
            : [doc];
          const found = [];
          for (const manifest of manifests) {
            if (!manifest.config || !manifest.layers) continue;
            // An image config is read whole: like a cache config, it is refused past BuildKit's limit first.
            checkCacheConfigSize(manifest.config);
            const inline = inlineCacheConfig(parseCacheRoot(await readBlob(manifest.config), manifest.config.digest, ref.toString()) as Record<string, unknown>, manifest.layers);
            if (inline) found.push(inline);
          }
          return found;
        }
        for (const blob of layerDescriptors) client.rememberBlob(ref, blob.digest);
        const cache: ImportedCache = {
          name: `cache ${ref.toString()}`,
          results,
          inputs,
          origin: { registry: ref.registry, repository: ref.repository },
          fetch: (descriptor, { signal }): Promise<Readable> => client.getBlob(ref, descriptor, signal ? { signal } : {}),
        };
        return cache;
      },
    };
  },
};

export const cacheImporters: readonly CacheImporter[] = [cacheImporter];
