import { buildCacheConfig } from "@exp/cache-config";
import { AttrReader, createRemoteCacheExport, eachBlob, type CacheExporter, type CacheExporterInstance } from "@exp/solver";
import { parseS3Options, s3Keys, type S3CacheOptions } from "./options.js";
import { S3CacheError, isNotFound, s3Client } from "./s3-client.js";
import { uploadBlob } from "./upload/upload-blob.js";

/**
 * `--cache-to type=s3,bucket=…,region=…`: BuildKit's S3 layout. Blobs go to
 * `<prefix><blobs_prefix><digest>` (the `sha256:` is part of the key), the cache config, with its
 * per-layer annotations, to `<prefix><manifests_prefix><name>` for every name. A blob already there
 * is not sent again, only "touched" (a self-copy with new metadata) once it is older than
 * touch_refresh, so a bucket lifecycle rule can expire blobs no build uses any more.
 */
export const cacheExporter: CacheExporter = {
  type: "s3",
  resolve(attrs, context): CacheExporterInstance {
    const options = parseS3Options(new AttrReader("cache exporter s3", attrs, s3Keys), context?.env ?? process.env);
    return {
      type: "s3",
      name: `exporting cache to s3 bucket ${options.bucket}`,
      mode: options.mode,
      ignoreError: options.ignoreError,
      async export(source, ctx) {
        return createRemoteCacheExport(source, ctx, { exporter: "cache-s3", mode: options.mode }, (records) => {
          const { config, layers } = buildCacheConfig(records, { layerAnnotations: true });
          return {
            layers,
            finalize: async ({ signal, progress }) => {
              const { client, sdk } = await s3Client(options);
              // Streamed bodies cannot be resent by the SDK's retry: uploadBlob retries them itself.
              const { client: streamClient } = await s3Client(options, { maxAttempts: 1 });
              try {
                await eachBlob(options.uploadParallelism, layers, signal, async (blob) => {
                  const key = `${options.prefix}${options.blobsPrefix}${blob.digest}`;
                  const head = await client.send(new sdk.HeadObjectCommand({ Bucket: options.bucket, Key: key }), { abortSignal: signal }).catch((error: unknown) => {
                    if (isNotFound(error)) return undefined;
                    // A cancel stays a cancel (the SDK's AbortError), as in the upload below, not an S3 failure.
                    throw signal.aborted ? error : new S3CacheError(`checking ${key} in ${options.bucket}`, error);
                  });
                  let present = head !== undefined;
                  if (head && (!head.LastModified || ageOf(head.LastModified) >= options.touchRefreshMs)) {
                    // Gone since the HEAD (a lifecycle rule expired it, or, on Swift, a concurrent
                    // touch of the same blob by another build): upload it again rather than fail.
                    present = await client
                      .send(
                        new sdk.CopyObjectCommand({ Bucket: options.bucket, Key: key, CopySource: `${options.bucket}/${key}`, Metadata: { "updated-at": new Date().toISOString() }, MetadataDirective: "REPLACE" }),
                        { abortSignal: signal },
                      )
                      .then(
                        () => true,
                        (error: unknown) => (isNotFound(error) && !signal.aborted ? false : Promise.reject(new S3CacheError(`refreshing ${key} in ${options.bucket}`, error))),
                      );
                    if (present) progress.log(`${blob.digest}: touched`);
                  }
                  if (!present) {
                    // Parts of 16 MiB, 2 at a time per blob (upload_parallelism blobs at once share
                    // one link, so more would only hold more buffers: bench/OPTIMIZATIONS.md); a
                    // multipart upload also lifts PutObject's 5 GiB limit.
                    await uploadBlob({
                      client: streamClient,
                      sdk,
                      bucket: options.bucket,
                      key,
                      blob,
                      store: ctx.store,
                      signal,
                      partSize: 16 * 1024 * 1024,
                      partConcurrency: 2,
                      onBytes: (uploaded) => progress.bytes(blob.digest, "uploading", uploaded, blob.size),
                    }).catch((error: unknown) => Promise.reject(error instanceof S3CacheError || signal.aborted ? error : new S3CacheError(`uploading ${key} to ${options.bucket}`, error)));
                    progress.log(`${blob.digest}: uploaded`);
                  }
                });
                const body = JSON.stringify(config);
                for (const name of options.names) {
                  const key = `${options.prefix}${options.manifestsPrefix}${name}`;
                  await client
                    .send(new sdk.PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body, ContentType: "application/json" }), { abortSignal: signal })
                    .catch((error: unknown) => Promise.reject(signal.aborted ? error : new S3CacheError(`writing ${key} to ${options.bucket}`, error)));
                }
              } finally {
                client.destroy();
                streamClient.destroy();
              }
            },
          };
        });
      },
    };
  },
};

/** Age of an object; LastModified has whole seconds (and may be rounded up), so a second of slack is allowed. */
function ageOf(lastModified: Date): number {
  return Date.now() - lastModified.getTime() + 1000;
}

export const cacheExporters: readonly CacheExporter[] = [cacheExporter];
