import type { Readable } from "node:stream";
import { combineAnnotatedConfigs } from "@exp/cache-config";
import { resumableVerifiedBody } from "@exp/oci-spec";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache } from "@exp/solver";
import { parseS3Options, s3Keys } from "./options.js";
import { S3CacheError, isNotFound, s3Client } from "./s3-client.js";
import { resumeRetry, retryStreamed } from "./upload/retry.js";

/**
 * `--cache-from type=s3,…`: reads `<prefix><manifests_prefix><name>` (the first name only, as
 * BuildKit does) and takes the layers' media types, diffIDs and sizes from the config's per-layer
 * annotations. Blobs are fetched (verified) only if an exporter needs their bytes. A missing
 * manifest is "no cache".
 */
export const cacheImporter: CacheImporter = {
  type: "s3",
  resolve(attrs, context): CacheImporterInstance {
    const options = parseS3Options(new AttrReader("cache importer s3", attrs, s3Keys), context?.env ?? process.env);
    const manifestKey = `${options.prefix}${options.manifestsPrefix}${options.names[0]}`;
    return {
      type: "s3",
      name: `importing cache manifest from s3://${options.bucket}/${manifestKey}`,
      async load(ctx) {
        const { client, sdk } = await s3Client(options);
        // The SDK retries until the headers arrive; a body that breaks after them is retried here.
        const text = await retryStreamed(async () => {
          const got = await client.send(new sdk.GetObjectCommand({ Bucket: options.bucket, Key: manifestKey }), { abortSignal: ctx.signal }).catch((error: unknown) => {
            if (isNotFound(error)) return undefined;
            throw new S3CacheError(`reading ${manifestKey} from ${options.bucket}`, error);
          });
          return got?.Body ? await got.Body.transformToString() : undefined;
        }, ctx.signal);
        if (text === undefined) return undefined;
        const { results, inputs } = await combineAnnotatedConfigs([text]);
        const cache: ImportedCache = {
          name: `s3://${options.bucket}/${manifestKey}`,
          results,
          inputs,
          async fetch(descriptor, { signal }): Promise<Readable> {
            const key = `${options.prefix}${options.blobsPrefix}${descriptor.digest}`;
            // Verified as it streams, and a body cut part way is resumed with a Range request
            // rather than failing the build: @exp/oci-spec's resumable body, shared with @exp/registry.
            return resumableVerifiedBody({
              descriptor,
              what: `s3://${options.bucket}/${key}`,
              retry: resumeRetry(),
              ...(signal ? { signal } : {}),
              request: async (offset, requestSignal) => {
                const object = await client
                  .send(new sdk.GetObjectCommand({ Bucket: options.bucket, Key: key, ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) }), requestSignal ? { abortSignal: requestSignal } : {})
                  .catch((error: unknown) => Promise.reject(new S3CacheError(`fetching ${key} from ${options.bucket}${offset > 0 ? ` from byte ${offset}` : ""}`, error)));
                return { status: object.$metadata.httpStatusCode ?? 200, body: object.Body as Readable };
              },
            });
          },
        };
        return cache;
      },
    };
  },
};

export const cacheImporters: readonly CacheImporter[] = [cacheImporter];
