import type { Descriptor, Digest } from "@exp/oci-spec";
import type { CacheRecords } from "./cache-records.js";

/** One layer of a record's result chain. Base-image layers come with the blob they are known by. */
export interface ChainEntry {
  readonly diffID: Digest;
  readonly size?: number;
  readonly createdAt?: string;
  /** A base image's compressed blob (in its registry, or local once fetched). */
  readonly known?: Descriptor;
}

/** A record of the local build cache as a cache exporter sees it: its key, inputs and result chain. */
export interface CacheGraphNode {
  readonly key: Digest;
  /** Keys of the records it was computed from (only those with a record of their own). */
  readonly inputs: readonly Digest[];
  /** The whole filesystem of its result, base first. */
  readonly chain: readonly ChainEntry[];
}

/**
 * Walks the local cache from the build's final keys through every record they depend on, and
 * gives each record its full result chain: a COPY's chain is its base's chain plus its own layer,
 * a base image's is its layers. This is the record graph BuildKit's cache exporters export.
 */
export async function cacheGraph(records: CacheRecords, tops: readonly Digest[], options: { signal?: AbortSignal } = {}): Promise<CacheGraphNode[]> {
  const nodes = new Map<Digest, Promise<CacheGraphNode | undefined>>();
  const visit = (key: Digest): Promise<CacheGraphNode | undefined> => {
    let pending = nodes.get(key);
    if (!pending) {
      pending = load(key);
      nodes.set(key, pending);
    }
    return pending;
  };
  const load = async (key: Digest): Promise<CacheGraphNode | undefined> => {
    const known = await records.getKnownChain(key, options);
    if (known) {
      const inputs = (await Promise.all((known.inputs ?? []).map(visit))).filter((n): n is CacheGraphNode => n !== undefined);
      return { key, inputs: inputs.map((n) => n.key), chain: known.layers.map((l) => ({ diffID: l.diffID, known: l.blob, ...(l.createdAt ? { createdAt: l.createdAt } : {}) })) };
    }
    const record = await records.get(key, options);
    if (!record) return undefined;
    const inputs = (await Promise.all(record.inputs.map(visit))).filter((n): n is CacheGraphNode => n !== undefined);
    const base = record.base ? await visit(record.base) : undefined;
    const own: ChainEntry = { diffID: record.diffID, size: record.size, createdAt: record.createdAt };
    return { key, inputs: inputs.map((n) => n.key), chain: [...(base?.chain ?? []), own] };
  };
  await Promise.all(tops.map(visit));
  // Base chains are visited through `base` even when --link left them out of `inputs`; keep every node found.
  const all = await Promise.all([...nodes.values()]);
  return all.filter((n): n is CacheGraphNode => n !== undefined).sort((a, b) => (a.key < b.key ? -1 : 1));
}
