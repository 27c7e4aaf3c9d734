import { sortConfig, uncompressedAnnotation, type CacheRecordJSON } from "@exp/cache-config";
import type { Descriptor, Digest } from "@exp/oci-spec";
import type { CacheGraphNode } from "@exp/solver";

/**
 * BuildKit's inline cache value: the records of the image's build, results given as positions in
 * the image's own layers (`layers: [{layer: k}]` is layers 0..k; `chains` lists positions when a
 * result is not a prefix), as base64 of the JSON array, with no layer table. A record whose result
 * is not made of the image's layers keeps its record and has no result (mode=min).
 */
export function inlineCacheValue(nodes: readonly CacheGraphNode[], imageLayers: readonly Descriptor[]): string | undefined {
  const positions = new Map<Digest, number>();
  imageLayers.forEach((layer, i) => {
    const diffID = layer.annotations?.[uncompressedAnnotation] as Digest | undefined;
    if (diffID && !positions.has(diffID)) positions.set(diffID, i);
  });
  const index = new Map(nodes.map((n, i) => [n.key, i]));
  const records: CacheRecordJSON[] = nodes.map((node) => {
    const record: CacheRecordJSON = { digest: node.key };
    const inputs = node.inputs.filter((k) => index.has(k)).map((k) => [{ link: index.get(k)! }]);
    if (inputs.length > 0) record.inputs = inputs;
    const at = node.chain.map((entry) => positions.get(entry.diffID));
    const createdAt = node.chain.at(-1)?.createdAt;
    if (at.length > 0 && at.every((p) => p !== undefined)) {
      const prefix = at.every((p, i) => p === i);
      if (prefix) record.layers = [{ layer: at.length - 1, ...(createdAt ? { createdAt } : {}) }];
      else record.chains = [{ layers: at as number[], ...(createdAt ? { createdAt } : {}) }];
    }
    return record;
  });
  if (!records.some((r) => r.layers || r.chains)) return undefined;
  const sorted = sortConfig({ records }, { layerIndexesAreImagePositions: true }).records;
  return Buffer.from(JSON.stringify(sorted)).toString("base64");
}
