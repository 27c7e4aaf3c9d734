// For this package's tests only (not exported from index.ts).
import { createHash } from "node:crypto";
import { openContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { LayerBlobs, ProgressReporter } from "@exp/solver";
import { conformanceSetup, type ConformanceOptions, type FaultProxy, type TestS3 } from "@exp/testing";
import { cacheExporter } from "./s3-cache-exporter.js";

/**
 * The conformance suite's options for the S3 cache against Swift's s3api, reached through a
 * recording, throttleable proxy (one that keeps the Host header the requests were signed for).
 * Each export gets its own prefix in `bucket`; the probe reads the cache config at
 * `<prefix>manifests/buildkit` straight from Swift, and every blob it names, checking each digest.
 */
export function s3ConformanceOptions(s3: () => TestS3, proxy: () => FaultProxy, bucket: string): ConformanceOptions {
  const get = async (key: string) => {
    const response = await s3().request("GET", `/${bucket}/${key}`);
    if (response.status !== 200) throw new Error(`GET ${key} answered ${response.status}`);
    return response.body;
  };
  return {
    name: "cache s3",
    exporter: cacheExporter,
    setup: conformanceSetup({ openContentStore, buildImage, LayerBlobs, ProgressReporter }),
    target: ({ id }) => `conformance/${id}/`,
    // mode=max: the fixture's store holds no image blobs for mode=min to reuse.
    attrs: (prefix) => ({
      bucket,
      region: s3().region,
      endpoint_url: proxy().url,
      use_path_style: "true",
      access_key_id: s3().accessKeyId,
      secret_access_key: s3().secretAccessKey,
      prefix,
      mode: "max",
    }),
    artifact: {
      async verify(prefix) {
        const config = JSON.parse((await get(`${prefix}manifests/buildkit`)).toString("utf8")) as { layers?: Array<{ blob: string }>; records?: unknown[] };
        if (!config.layers?.length || !config.records?.length) throw new Error(`the cache config names no layers or no records: ${JSON.stringify(config).slice(0, 200)}`);
        for (const { blob } of config.layers) {
          const digest = `sha256:${createHash("sha256").update(await get(`${prefix}blobs/${blob}`)).digest("hex")}`;
          if (digest !== blob) throw new Error(`${prefix}blobs/${blob} holds ${digest}`);
        }
      },
      async present(prefix) {
        const response = await s3().request("HEAD", `/${bucket}/${prefix}manifests/buildkit`);
        return response.status === 200 ? [`${prefix}manifests/buildkit`] : [];
      },
    },
    requests: () => proxy().stats.log,
    throttle: () => {
      proxy().setRules([{ every: true, fault: { type: "delay", ms: 3000 } }]);
      return async () => proxy().setRules([]);
    },
  };
}
