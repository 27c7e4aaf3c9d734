import { createHash } from "node:crypto";
import { throwIfAborted } from "@exp/errors";
import type { Digest } from "@exp/oci-spec";
import { hashBuffer, hashStream } from "./content-hash-cache.js";
import { WHOLE_READ_LIMIT } from "./fs-source.js";
import type { CopyPlan } from "./copy-plan.js";
import { FileChangedError } from "./errors.js";
import { resolveLayerEntries, type CopyAttributes, type LayerEntry } from "./layer-entry.js";

export interface ChecksumCopyOptions extends CopyAttributes {
  signal?: AbortSignal;
}

// Bumped whenever the record format changes, so old cache keys can never collide with new ones.
const FORMAT = "exp/copy-checksum/v2\n";
// Files hashed at once: overlaps disk latency without opening hundreds of descriptors.
const CONCURRENCY = 8;

/**
 * The cache-key input of a COPY: sha256 over one record per entry, in plan order, of destination
 * path, type, mode (after --chmod), uid and gid (after --chown), link target, size and the sha256
 * of a file's content, and its extended attributes. Times and inode numbers are left out on purpose: the same files checked
 * out twice (new mtimes, new inodes) give the same checksum, while any change of content, mode,
 * owner or symlink target changes it. Records are NUL-separated with a fixed field count, so no
 * file name can forge a boundary.
 */
export async function checksumCopy(plan: CopyPlan | readonly LayerEntry[], options: ChecksumCopyOptions = {}): Promise<Digest> {
  const { signal } = options;
  throwIfAborted(signal, "computing the COPY checksum");
  const entries = resolveLayerEntries(plan, options);
  const contents = await mapLimited(entries, CONCURRENCY, (entry) => (entry.type === "file" ? contentDigest(entry, signal) : Promise.resolve("")));
  const hash = createHash("sha256").update(FORMAT);
  entries.forEach((entry, i) => {
    const size = entry.type === "file" ? entry.size : 0;
    const xattrs = Object.entries(entry.xattrs ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `${name}=${value}`)
      .join("\u0001");
    const fields = [entry.path, entry.type, entry.mode.toString(8), entry.uid, entry.gid, entry.linkTarget ?? "", size, contents[i], xattrs];
    hash.update(fields.join("\0") + "\n");
  });
  return `sha256:${hash.digest("hex")}` as Digest;
}

async function contentDigest(entry: LayerEntry, signal?: AbortSignal): Promise<string> {
  if (entry.contentDigest) return entry.contentDigest(signal ? { signal } : {});
  if (entry.readFile && entry.size <= WHOLE_READ_LIMIT) return hashBuffer(await entry.readFile(signal ? { signal } : {})).digest;
  const stream = await (entry.open as NonNullable<LayerEntry["open"]>)(signal ? { signal } : {});
  const { digest, size } = await hashStream(stream, signal);
  if (size !== entry.size) throw new FileChangedError(entry.path, `listed with ${entry.size} bytes, read ${size}`);
  return digest;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
