import { throwIfAborted } from "@exp/errors";
import type { Layer } from "@exp/solver";
import { applyLayer, type ApplyLayerOptions } from "./apply-layer.js";
import { syntheticMtime } from "./node-meta.js";
import { RootfsTree } from "./rootfs-tree.js";
import type { Spool } from "./spool.js";

/** The final filesystem of one platform result: its layers applied in order, base first. */
export async function buildRootfs(layers: readonly Layer[], spool: Spool, options: ApplyLayerOptions = {}): Promise<RootfsTree> {
  // Implied parents get what a plain mkdir -p by root would give them, at a fixed time.
  const tree = new RootfsTree(spool, { mode: 0o755, uid: 0, gid: 0, mtimeMs: syntheticMtime(options.epochSeconds) });
  for (const [index, layer] of layers.entries()) {
    throwIfAborted(options.signal, "exporting files");
    await applyLayer(tree, spool, layer, index, options);
  }
  return tree;
}
