import { SWIFT_TOOLS, skipUnlessTools, startFaultProxy, startRegistry, startS3, type FaultProxy, type TestRegistry, type TestS3 } from "@exp/testing";

export const BUCKET = "exp-abort";

/** The tools the slow destinations need (skipped on a developer machine without them, a failure in CI). */
export const skipWithoutDestinations = (): boolean => skipUnlessTools("docker-registry", ...SWIFT_TOOLS);

/**
 * A registry and an S3 (Swift) endpoint, each behind a fault proxy whose link uploads at
 * `bytesPerSecond`: a layer of a few MiB then takes seconds to send, so a test can abort while
 * both finalizers are in the middle of an upload, and watch each proxy for requests left open.
 */
export interface SlowDestinations {
  registry: TestRegistry;
  registryProxy: FaultProxy;
  s3: TestS3;
  s3Proxy: FaultProxy;
  /** `--cache-to`/cache exporter attributes for the bucket, through the slow proxy. */
  s3Attrs(prefix: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startSlowDestinations(bytesPerSecond: number): Promise<SlowDestinations> {
  const [registry, s3] = await Promise.all([startRegistry(), startS3({ bucket: BUCKET })]);
  const registryProxy = await startFaultProxy({ target: registry.url, link: { bytesPerSecond } });
  // SigV4 signs the Host header: the request must reach Swift with the host the client signed.
  const s3Proxy = await startFaultProxy({ target: s3.endpoint, preserveHost: true, link: { bytesPerSecond } });
  return {
    registry,
    registryProxy,
    s3,
    s3Proxy,
    s3Attrs: (prefix) => ({
      bucket: BUCKET,
      region: s3.region,
      endpoint_url: s3Proxy.url,
      use_path_style: "true",
      access_key_id: s3.accessKeyId,
      secret_access_key: s3.secretAccessKey,
      mode: "max",
      prefix,
    }),
    stop: async () => {
      await Promise.allSettled([registryProxy.stop(), s3Proxy.stop()]);
      await Promise.allSettled([registry.stop(), s3.stop()]);
    },
  };
}

/** Attributes as a `--cache-to` value. */
export function specOf(type: string, attrs: Record<string, string>): string {
  return [`type=${type}`, ...Object.entries(attrs).map(([k, v]) => `${k}=${v}`)].join(",");
}
