import type { CacheConfig, CacheInputJSON, CacheLayer, CacheRecordJSON } from "./types.js";

/**
 * Puts a config in BuildKit's canonical order, so identical builds give byte-identical configs and
 * so identical cache manifest digests (BuildKit's testImportExportReproducibleIDs): layers by
 * (blob, parent index as found), records by (digest, number of inputs, their selectors and links'
 * digests), every index remapped to the new positions, and each input's alternatives by link.
 */
export function sortConfig(config: CacheConfig, options: { layerIndexesAreImagePositions?: boolean } = {}): CacheConfig {
  const layers = config.layers ?? [];
  const layerOrder = layers.map((layer, index) => ({ layer, index })).sort((a, b) => compare(a.layer.blob, b.layer.blob) || parentOf(a.layer) - parentOf(b.layer));
  // The inline cache has no layer table: its results are positions in the image's own layers and stay as they are.
  const newLayerIndex = options.layerIndexesAreImagePositions ? { get: (i: number) => i } : new Map(layerOrder.map((entry, position) => [entry.index, position]));
  const sortedLayers: CacheLayer[] = layerOrder.map(({ layer }) => withParent(layer, parentOf(layer) === -1 ? -1 : newLayerIndex.get(parentOf(layer))!));

  const recordKey = (record: CacheRecordJSON): string =>
    [
      record.digest,
      String(record.inputs?.length ?? 0).padStart(8, "0"),
      ...(record.inputs ?? []).map((alternatives) =>
        alternatives
          .map((input) => `${input.selector ?? ""}@${config.records[input.link]?.digest ?? ""}`)
          .sort()
          .join("|"),
      ),
    ].join("\n");
  const recordOrder = config.records.map((record, index) => ({ record, index, key: recordKey(record) })).sort((a, b) => compare(a.key, b.key));
  const newRecordIndex = new Map(recordOrder.map((entry, position) => [entry.index, position]));
  const sortedRecords: CacheRecordJSON[] = recordOrder.map(({ record }) => {
    const out: CacheRecordJSON = { digest: record.digest };
    if (record.inputs && record.inputs.length > 0) {
      out.inputs = record.inputs.map((alternatives) =>
        alternatives
          .map((input): CacheInputJSON => ({ ...(input.selector ? { selector: input.selector } : {}), link: newRecordIndex.get(input.link)! }))
          .sort((a, b) => a.link - b.link),
      );
    }
    if (record.layers && record.layers.length > 0) out.layers = record.layers.map((r) => ({ ...r, layer: newLayerIndex.get(r.layer)! }));
    if (record.chains && record.chains.length > 0) out.chains = record.chains.map((c) => ({ ...c, layers: c.layers.map((l) => newLayerIndex.get(l)!) }));
    return out;
  });
  return { ...(sortedLayers.length > 0 ? { layers: sortedLayers } : {}), records: sortedRecords };
}

/** The parent as BuildKit means it: absent is 0 (Go's omitempty dropped it). */
export function parentOf(layer: CacheLayer): number {
  return layer.parent ?? 0;
}

/** Writes the parent the way BuildKit's JSON has it: omitted when 0. */
function withParent(layer: CacheLayer, parent: number): CacheLayer {
  const { parent: _old, ...rest } = layer;
  return parent === 0 ? rest : { ...rest, parent };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
