import type { Readable } from "node:stream";
import type { ContainerClient } from "@azure/storage-blob";
import { combineAnnotatedConfigs } from "@exp/cache-config";
import { resumableVerifiedBody } from "@exp/oci-spec";
import { AttrReader, type CacheImporter, type CacheImporterInstance, type ImportedCache } from "@exp/solver";
import { azblobClients, defaultTuning, retried, type AzblobTuning } from "./azblob-client.js";
import { AzblobCacheError, isNotFound } from "./azblob-error.js";
import { blobName, manifestName } from "./keys.js";
import { azblobKeys, parseAzblobOptions } from "./options.js";
import { resumeRetry } from "./upload/retry.js";

/**
 * `--cache-from type=azblob,…`: reads the cache config of every name, at once, and combines them,
 * as BuildKit's importer does (importer.go, Resolve); a name with no config there adds nothing.
 * Layers come from the configs' per-layer annotations; a blob is fetched (verified) only when an
 * exporter needs its bytes, resumed from where it broke. A missing container is "no cache": unlike
 * BuildKit, which creates it on import too, a read never writes (a read-only SAS token works).
 */
export function azblobCacheImporter(tuning: Partial<AzblobTuning> = {}): CacheImporter {
  const t = { ...defaultTuning, ...tuning };
  return {
    type: "azblob",
    resolve(attrs, context): CacheImporterInstance {
      const options = parseAzblobOptions(new AttrReader("cache importer azblob", attrs, azblobKeys), context?.env ?? process.env);
      const where = `${options.accountUrl}/${options.container}`;
      return {
        type: "azblob",
        name: `importing cache manifest from ${where}/${manifestName(options, options.names[0]!)}`,
        async load(ctx) {
          const { container } = await azblobClients(options);
          const texts = await Promise.all(options.names.map((name) => readManifest(container, manifestName(options, name), ctx.signal, t)));
          const { results, inputs, found } = await combineAnnotatedConfigs(texts);
          if (found === 0) return undefined;
          ctx.progress.log(`found ${results.size} cache records in ${found} of ${options.names.length} manifests`);
          const cache: ImportedCache = {
            name: `azblob ${where}`,
            results,
            inputs,
            async fetch(descriptor, { signal }): Promise<Readable> {
              const name = blobName(options, descriptor.digest);
              // Verified as it streams; a body cut part way is resumed with a Range request (the
              // SDK's own resuming is off: one mechanism, the one shared with @exp/registry and S3).
              return resumableVerifiedBody({
                descriptor,
                what: `azblob ${options.container}/${name}`,
                retry: resumeRetry({ attempts: t.maxTries, baseDelayMs: t.retryDelayMs, maxDelayMs: t.maxRetryDelayMs }),
                ...(signal ? { signal } : {}),
                request: async (offset, requestSignal) => {
                  const answer = await retried(t, requestSignal ?? new AbortController().signal, (trySignal) => container.getBlobClient(name).download(offset, undefined, { maxRetryRequests: 0, abortSignal: trySignal }))
                    .catch((error: unknown) => Promise.reject(requestSignal?.aborted ? error : new AzblobCacheError(`fetching ${name}${offset > 0 ? ` from byte ${offset}` : ""}`, error)));
                  return { status: answer._response.status, body: answer.readableStreamBody as Readable };
                },
              });
            },
          };
          return cache;
        },
      };
    },
  };
}

/** A cache config's text, or undefined when there is none (no blob, or no container). */
async function readManifest(container: ContainerClient, name: string, signal: AbortSignal, tuning: AzblobTuning): Promise<string | undefined> {
  try {
    // Read again whole when the body breaks part way (a config is small).
    const buffer = await retried(tuning, signal, (trySignal) => container.getBlobClient(name).downloadToBuffer(0, undefined, { abortSignal: trySignal, maxRetryRequestsPerBlock: 0 }));
    return buffer.toString("utf8");
  } catch (error) {
    if (signal.aborted) throw error;
    if (isNotFound(error)) return undefined;
    throw new AzblobCacheError(`reading ${name} from container ${container.containerName}`, error);
  }
}

export const cacheImporter: CacheImporter = azblobCacheImporter();
export const cacheImporters: readonly CacheImporter[] = [cacheImporter];
