import type { Readable } from "node:stream";
import { cacheRootParts, importedRecords, parseCacheConfig, type CacheRootDocument } from "@exp/cache-config";
import { createRegistryClient, parseReference, RegistryError } from "@exp/registry";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache } from "@exp/solver";

/**
 * `--cache-from type=registry,ref=<repo:tag>`: reads a registry cache (an image-manifest cache, or
 * the older index with the config last). Only the manifest and the config are fetched; layers stay
 * in the registry until an exporter needs them, and a push to the same registry mounts them.
 * A missing ref is "no cache".
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
        const parts = cacheRootParts(JSON.parse(root.bytes.toString("utf8")) as CacheRootDocument);
        if (!parts) return undefined; // an image without a cache config (inline caches come later)
        const chunks: Buffer[] = [];
        for await (const chunk of await client.getBlob(ref, parts.config, { signal: ctx.signal })) chunks.push(chunk as Buffer);
        const config = parseCacheConfig(Buffer.concat(chunks));
        const { results, inputs } = await importedRecords(config, parts.layers);
        const layerDescriptors = parts.layers;
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
