import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline, type Readable } from "node:stream";
import { chainOf, parseCacheConfig, cacheConfigMediaType, uncompressedAnnotation } from "@exp/cache-config";
import { createDigestVerifier, isDigest, parseImageLayoutIndex, verifyDigest, type Descriptor, type Digest } from "@exp/oci-spec";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache, type ImportedLayer } from "@exp/solver";

/**
 * `--cache-from type=local,src=<dir>[,tag=…|digest=…]`: reads a cache BuildKit or exp wrote with
 * `type=local`. Only the manifest and the config are read; a layer is read (verified) only if the
 * build needs its bytes. A missing directory, tag or blob is "no cache", never an error.
 */
export const cacheImporter: CacheImporter = {
  type: "local",
  resolve(attrs): CacheImporterInstance {
    const reader = new AttrReader("cache importer local", attrs, ["src", "tag", "digest"]);
    const src = reader.required("src", "give the cache directory, e.g. src=.cache/exp");
    const tag = reader.string("tag") ?? "latest";
    const digest = reader.string("digest");
    return {
      type: "local",
      name: `importing cache manifest from ${src}`,
      async load(ctx) {
        const blobPath = (d: string) => join(src, "blobs", ...d.split(":"));
        const readDocument = async (d: Descriptor): Promise<Buffer> => {
          const bytes = await readFile(blobPath(d.digest));
          verifyDigest(bytes, d.digest, `${d.mediaType} in ${src}`);
          return bytes;
        };
        const indexText = await readFile(join(src, "index.json"), "utf8").catch(() => undefined);
        if (indexText === undefined) return undefined;
        const entries = parseImageLayoutIndex(indexText).manifests as Descriptor[];
        const root = digest !== undefined ? entries.find((e) => e.digest === digest) : entries.find((e) => e.annotations?.["org.opencontainers.image.ref.name"] === tag);
        if (!root) return undefined;
        const document = JSON.parse((await readDocument(root)).toString("utf8")) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
        // image-manifest=true: the config is the manifest's config; false: the index's last entry of the config type.
        const configDescriptor = document.config?.mediaType === cacheConfigMediaType ? document.config : document.manifests?.find((m) => m.mediaType === cacheConfigMediaType);
        if (!configDescriptor) return undefined;
        const layerDescriptors = document.layers ?? (document.manifests ?? []).filter((m) => m.mediaType !== cacheConfigMediaType);
        const config = parseCacheConfig(await readDocument(configDescriptor));
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
            // A blob deleted from the directory drops the result, not the import (BuildKit's testCacheExportCacheDeletedContent).
            if (!descriptor || !diffID || !isDigest(diffID) || !(await stat(blobPath(blob)).catch(() => undefined))) break;
            const createdAt = descriptor.annotations?.["buildkit/createdat"];
            chain.push({ descriptor, diffID, ...(createdAt ? { createdAt } : {}) });
          }
          if (chain.length === chainOf(config, result.layer).length) results.set(record.digest, chain);
        }
        ctx.progress.log(`${results.size} of ${config.records.length} records have results`);
        const cache: ImportedCache = {
          name: `cache ${src}`,
          results,
          inputs,
          async fetch(descriptor, { signal }): Promise<Readable> {
            const check = createDigestVerifier(descriptor.digest, `blob ${descriptor.digest} in ${src}`, { size: descriptor.size });
            pipeline(createReadStream(blobPath(descriptor.digest), signal ? { signal } : {}), check, () => undefined);
            return check;
          },
        };
        return cache;
      },
    };
  },
};

export const cacheImporters: readonly CacheImporter[] = [cacheImporter];
