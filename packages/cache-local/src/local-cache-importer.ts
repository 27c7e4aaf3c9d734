import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline, type Readable } from "node:stream";
import { CacheBlobMissingError, cacheRootParts, checkCacheConfigSize, importedRecords, parseCacheConfig, parseCacheRoot } from "@exp/cache-config";
import { FileAccessError, InvalidOptionError, hasCode, orAbsent } from "@exp/errors";
import { createDigestVerifier, isDigest, parseImageLayoutIndex, verifyDigest, type Descriptor } from "@exp/oci-spec";
import { layoutBlobPath } from "@exp/content";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache } from "@exp/solver";

/**
 * `--cache-from type=local,src=<dir>[,tag=…|digest=…]`: reads a cache BuildKit or exp wrote with
 * `type=local`. Only the manifest and the config are read; a layer is read (verified) only if the
 * build needs its bytes. A missing directory or tag is "no cache"; a missing layer drops the
 * results that need it; a missing manifest or config is a damaged cache (ERR_CACHE_BLOB_MISSING).
 */
export const cacheImporter: CacheImporter = {
  type: "local",
  resolve(attrs): CacheImporterInstance {
    const reader = new AttrReader("cache importer local", attrs, ["src", "tag", "digest"]);
    const src = reader.required("src", "give the cache directory, e.g. src=.cache/exp");
    const tag = reader.string("tag") ?? "latest";
    const digest = reader.string("digest");
    // BuildKit parses digest= up front; a typo here would otherwise read as "no cache found".
    if (digest !== undefined && !isDigest(digest)) throw new InvalidOptionError("cache importer local", "digest", digest, 'a manifest digest, "sha256:" followed by 64 lowercase hex digits');
    return {
      type: "local",
      name: `importing cache manifest from ${src}`,
      async load(ctx) {
        const blobPath = (d: string) => layoutBlobPath(src, d);
        // A blob that index.json or the manifest names must be there: its absence is a damaged cache.
        const readDocument = async (d: Descriptor, role: string): Promise<Buffer> => {
          const path = blobPath(d.digest);
          const bytes = await readFile(path).catch((error: unknown) => {
            throw hasCode(error, "ENOENT") ? new CacheBlobMissingError(src, d.digest, role, error) : new FileAccessError("read", path, error, `${role}, a regular file`);
          });
          verifyDigest(bytes, d.digest, `${d.mediaType} in ${src}`);
          return bytes;
        };
        // Only a missing directory or index.json is "no cache": one that cannot be read (a directory
        // in its place, a symlink loop, a file where the cache directory should be, EIO) is a
        // damaged cache, and the import says so.
        const indexPath = join(src, "index.json");
        const indexText = await orAbsent(readFile(indexPath, "utf8"), "read", indexPath, { expected: "the cache's index.json, a regular file, or no cache directory at all", notDirIsAbsent: false });
        if (indexText === undefined) return undefined;
        const entries = parseImageLayoutIndex(indexText).manifests as Descriptor[];
        const root = digest !== undefined ? entries.find((e) => e.digest === digest) : entries.find((e) => e.annotations?.["org.opencontainers.image.ref.name"] === tag);
        if (!root) return undefined;
        const parts = cacheRootParts(parseCacheRoot(await readDocument(root, "the cache manifest"), root.digest, src));
        if (!parts) return undefined;
        checkCacheConfigSize(parts.config);
        const config = parseCacheConfig(await readDocument(parts.config, "the cache config"));
        // A blob deleted from the directory drops the result, not the import (BuildKit's testCacheExportCacheDeletedContent).
        const { results, inputs } = await importedRecords(config, parts.layers, async (d) => (await orAbsent(stat(blobPath(d)), "stat", blobPath(d), { expected: "a layer blob, or nothing", notDirIsAbsent: false })) !== undefined);
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
