import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline, type Readable } from "node:stream";
import { cacheRootParts, importedRecords, parseCacheConfig, type CacheRootDocument } from "@exp/cache-config";
import { createDigestVerifier, parseImageLayoutIndex, verifyDigest, type Descriptor } from "@exp/oci-spec";
import { layoutBlobPath } from "@exp/content";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache } from "@exp/solver";

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
        const blobPath = (d: string) => layoutBlobPath(src, d);
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
        const parts = cacheRootParts(JSON.parse((await readDocument(root)).toString("utf8")) as CacheRootDocument);
        if (!parts) return undefined;
        const config = parseCacheConfig(await readDocument(parts.config));
        // A blob deleted from the directory drops the result, not the import (BuildKit's testCacheExportCacheDeletedContent).
        const { results, inputs } = await importedRecords(config, parts.layers, async (d) => (await stat(blobPath(d)).catch(() => undefined)) !== undefined);
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
