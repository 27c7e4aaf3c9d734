import type { Descriptor } from "@exp/oci-spec";

/**
 * Runs `work` once per distinct blob (by digest) with `parallelism` workers, stopping when `signal`
 * aborts: how every remote cache exporter uploads its layers (S3's and azblob's
 * `upload_parallelism`, gha's fixed 4). The first failure rejects; workers already running finish
 * their blob or see the abort their caller raises.
 */
export async function eachBlob(parallelism: number, blobs: readonly Descriptor[], signal: AbortSignal, work: (blob: Descriptor) => Promise<void>): Promise<void> {
  const queue = [...new Map(blobs.map((b) => [b.digest, b])).values()];
  const worker = async () => {
    for (let blob = queue.shift(); blob !== undefined; blob = queue.shift()) {
      signal.throwIfAborted();
      await work(blob);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, queue.length) }, worker));
}
