import type { FileHandle } from "node:fs/promises";
import { AbortedError } from "@exp/errors";
import { Digester, parseDigest, type Digest } from "@exp/oci-spec";

const HASH_CHUNK = 1024 * 1024;

/**
 * Hashes an open file from start to end through one reused buffer and returns its digest and size.
 * For reads whose bytes go nowhere but the hash (a verification beside ranged uploads, `exp store
 * check`): a stream would allocate a buffer per chunk, and on a process busy with uploads those
 * allocations are what starts V8's full collections (`bench/tools/export-profile.ts`).
 * The buffer is reused, so it can be larger than a stream's chunk: fewer reads, no more memory held.
 */
export async function hashFile(handle: FileHandle, algorithm: ReturnType<typeof parseDigest>["algorithm"], what: string, signal?: AbortSignal): Promise<{ digest: Digest; size: number }> {
  const digester = new Digester(algorithm);
  const buffer = Buffer.allocUnsafe(HASH_CHUNK);
  for (;;) {
    if (signal?.aborted) throw new AbortedError(what, signal.reason);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    // Digester.update hashes synchronously, so the buffer can be refilled right after.
    digester.update(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead));
  }
  return { digest: digester.digest(), size: digester.size };
}
