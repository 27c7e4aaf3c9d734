import { pipeline, type Readable } from "node:stream";
import { importedRecords, parseCacheConfig, uncompressedAnnotation } from "@exp/cache-config";
import { createDigestVerifier, type Descriptor } from "@exp/oci-spec";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache } from "@exp/solver";
import { parseS3Options, s3Keys } from "./options.js";
import { S3CacheError, isNotFound, s3Client } from "./s3-client.js";

/**
 * `--cache-from type=s3,…`: reads `<prefix><manifests_prefix><name>` (the first name only, as
 * BuildKit does) and takes the layers' media types, diffIDs and sizes from the config's per-layer
 * annotations. Blobs are fetched (verified) only if an exporter needs their bytes. A missing
 * manifest is "no cache".
 */
export const cacheImporter: CacheImporter = {
  type: "s3",
  resolve(attrs): CacheImporterInstance {
    const options = parseS3Options(new AttrReader("cache importer s3", attrs, s3Keys));
    const manifestKey = `${options.prefix}${options.manifestsPrefix}${options.names[0]}`;
    return {
      type: "s3",
      name: `importing cache manifest from s3://${options.bucket}/${manifestKey}`,
      async load(ctx) {
        const { client, sdk } = await s3Client(options);
        const got = await client.send(new sdk.GetObjectCommand({ Bucket: options.bucket, Key: manifestKey }), { abortSignal: ctx.signal }).catch((error: unknown) => {
          if (isNotFound(error)) return undefined;
          throw new S3CacheError(`reading ${manifestKey} from ${options.bucket}`, error);
        });
        if (!got?.Body) return undefined;
        const config = parseCacheConfig(await got.Body.transformToString());
        const layers: Descriptor[] = (config.layers ?? []).flatMap((l) =>
          l.annotations ? [{ mediaType: l.annotations.mediaType, digest: l.blob, size: l.annotations.size, annotations: { [uncompressedAnnotation]: l.annotations.diffID, "buildkit/createdat": l.annotations.createdAt } }] : [],
        );
        const { results, inputs } = await importedRecords(config, layers);
        const cache: ImportedCache = {
          name: `s3://${options.bucket}/${manifestKey}`,
          results,
          inputs,
          async fetch(descriptor, { signal }): Promise<Readable> {
            const key = `${options.prefix}${options.blobsPrefix}${descriptor.digest}`;
            const object = await client
              .send(new sdk.GetObjectCommand({ Bucket: options.bucket, Key: key }), signal ? { abortSignal: signal } : {})
              .catch((error: unknown) => Promise.reject(new S3CacheError(`fetching ${key} from ${options.bucket}`, error)));
            const check = createDigestVerifier(descriptor.digest, `s3://${options.bucket}/${key}`, { size: descriptor.size });
            pipeline(object.Body as Readable, check, () => undefined);
            return check;
          },
        };
        return cache;
      },
    };
  },
};

export const cacheImporters: readonly CacheImporter[] = [cacheImporter];
