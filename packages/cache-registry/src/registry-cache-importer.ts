import type { Readable } from "node:stream";
import { cacheConfigMediaType, chainOf, parseCacheConfig, uncompressedAnnotation } from "@exp/cache-config";
import { isDigest, verifyDigest, type Descriptor, type Digest } from "@exp/oci-spec";
import { createRegistryClient, parseReference, RegistryError } from "@exp/registry";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache, type ImportedLayer } from "@exp/solver";

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
        const document = JSON.parse(root.bytes.toString("utf8")) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
        const configDescriptor = document.config?.mediaType === cacheConfigMediaType ? document.config : document.manifests?.find((m) => m.mediaType === cacheConfigMediaType);
        if (!configDescriptor) return undefined; // an image without a cache config (inline caches come later)
        const layerDescriptors = document.layers ?? (document.manifests ?? []).filter((m) => m.mediaType !== cacheConfigMediaType);
        const chunks: Buffer[] = [];
        for await (const chunk of await client.getBlob(ref, configDescriptor, { signal: ctx.signal })) chunks.push(chunk as Buffer);
        const configBytes = Buffer.concat(chunks);
        verifyDigest(configBytes, configDescriptor.digest, `cache config of ${ref.toString()}`);
        const config = parseCacheConfig(configBytes);
        const byDigest = new Map(layerDescriptors.map((d) => [d.digest, d]));
        const results = new Map<Digest, ImportedLayer[]>();
        const inputs = new Map<Digest, Digest[]>();
        for (const record of config.records) {
          inputs.set(record.digest, (record.inputs ?? []).flatMap((alternatives) => (alternatives[0] ? [config.records[alternatives[0].link]!.digest] : [])));
          const result = record.layers?.[0];
          if (!result) continue;
          const chain: ImportedLayer[] = [];
          for (const blob of chainOf(config, result.layer)) {
            const descriptor = byDigest.get(blob);
            const diffID = descriptor?.annotations?.[uncompressedAnnotation];
            if (!descriptor || !diffID || !isDigest(diffID)) break;
            const createdAt = descriptor.annotations?.["buildkit/createdat"];
            chain.push({ descriptor, diffID, ...(createdAt ? { createdAt } : {}) });
          }
          if (chain.length === chainOf(config, result.layer).length) results.set(record.digest, chain);
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
