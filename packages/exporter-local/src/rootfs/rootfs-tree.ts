import { compareBytes } from "@exp/solver";
import { UnsafePathError } from "../errors.js";
import type { NodeMeta } from "./node-meta.js";
import type { Spool, SpoolFile } from "./spool.js";

interface NodeBase {
  meta: NodeMeta;
  /** The layer that last wrote (or implicitly created) this path; opaque markers keep only the current layer's. */
  layer: number;
}
export interface DirNode extends NodeBase {
  kind: "dir";
  children: Map<string, TreeNode>;
}
export interface FileNode extends NodeBase {
  kind: "file";
  content: SpoolFile;
}
export interface SymlinkNode extends NodeBase {
  kind: "symlink";
  target: string;
}
export type TreeNode = DirNode | FileNode | SymlinkNode;

/**
 * The filesystem a chain of layers adds up to, as metadata (file bytes live in the Spool). It is a
 * tree rather than a path map so a whiteout of a big directory is one unlink, and because a
 * depth-first walk over byte-sorted names is exactly the walk order tars and BuildKit use.
 *
 * Semantics follow containerd's tar apply (what BuildKit unpacks with): entries are applied in tar
 * order; an entry replaces whatever is at its path, except that a directory over a directory keeps
 * the children; `.wh.name` deletes `name` at that point; `.wh..wh..opq` deletes every entry under
 * its directory that the current layer did not write. One deliberate difference: a path whose
 * parent is a symlink (or a file) is refused, where containerd would resolve the symlink inside
 * the root; writing through a link is what this package promises never to do.
 */
export class RootfsTree {
  readonly root: DirNode;

  constructor(
    private readonly spool: Spool,
    /** Metadata of directories no entry describes (parents the tar left implicit). */
    private readonly impliedMeta: NodeMeta,
  ) {
    this.root = { kind: "dir", meta: { ...impliedMeta }, layer: -1, children: new Map() };
  }

  /** Puts `node` at `parts` (non-empty), creating implied parents. */
  async put(entry: string, parts: readonly string[], node: TreeNode): Promise<void> {
    const parent = this.parentFor(entry, parts, node.layer);
    const name = parts[parts.length - 1] as string;
    const existing = parent.children.get(name);
    if (node.kind === "dir" && existing?.kind === "dir") {
      // A directory entry over a directory only updates its metadata: the tar does not list again what is inside.
      existing.meta = node.meta;
      existing.layer = node.layer;
      return;
    }
    parent.children.set(name, node);
    if (existing) await this.release(existing);
  }

  /** `dir/.wh.name`: deletes `name` and everything below it, when it exists. */
  async whiteout(dir: readonly string[], name: string): Promise<void> {
    const parent = this.lookup(dir);
    if (parent?.kind !== "dir") return;
    const victim = parent.children.get(name);
    if (!victim) return;
    parent.children.delete(name);
    await this.release(victim);
  }

  /** `dir/.wh..wh..opq`: keeps only what `layer` wrote under `dir` (which then exists). */
  async opaque(entry: string, dir: readonly string[], layer: number): Promise<void> {
    const target = dir.length === 0 ? this.root : this.directoryAt(entry, dir, layer);
    await this.pruneOtherLayers(target, layer);
  }

  /** The node at `parts` without following anything; undefined when absent or below a non-directory. */
  lookup(parts: readonly string[]): TreeNode | undefined {
    let node: TreeNode = this.root;
    for (const part of parts) {
      if (node.kind !== "dir") return undefined;
      const child: TreeNode | undefined = node.children.get(part);
      if (!child) return undefined;
      node = child;
    }
    return node;
  }

  private parentFor(entry: string, parts: readonly string[], layer: number): DirNode {
    return this.directoryAt(entry, parts.slice(0, -1), layer);
  }

  private directoryAt(entry: string, parts: readonly string[], layer: number): DirNode {
    let dir = this.root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      let child = dir.children.get(part);
      if (!child) {
        child = { kind: "dir", meta: { ...this.impliedMeta }, layer, children: new Map() };
        dir.children.set(part, child);
      }
      if (child.kind !== "dir") {
        const at = JSON.stringify(parts.slice(0, i + 1).join("/"));
        throw new UnsafePathError(entry, child.kind === "symlink" ? `its parent ${at} is a symbolic link` : `its parent ${at} is not a directory`);
      }
      dir = child;
    }
    return dir;
  }

  private async pruneOtherLayers(dir: DirNode, layer: number): Promise<void> {
    for (const [name, child] of [...dir.children]) {
      if (child.layer !== layer) {
        dir.children.delete(name);
        await this.release(child);
      } else if (child.kind === "dir") {
        await this.pruneOtherLayers(child, layer);
      }
    }
  }

  /** Frees the spooled bytes of a node that left the tree, and of everything below it. */
  private async release(node: TreeNode): Promise<void> {
    if (node.kind === "file") await this.spool.release(node.content);
    else if (node.kind === "dir") for (const child of node.children.values()) await this.release(child);
  }
}

/** Every path below `dir` in walk order (a directory's subtree right after it), with its node. */
export function* walkTree(dir: DirNode, prefix = ""): Generator<[string, TreeNode]> {
  // Depth first over byte-sorted names is walk order: "a", "a/x", "a-b" ("/" sorts before "-").
  for (const name of [...dir.children.keys()].sort(compareBytes)) {
    const node = dir.children.get(name) as TreeNode;
    const path = prefix === "" ? name : `${prefix}/${name}`;
    yield [path, node];
    if (node.kind === "dir") yield* walkTree(node, path);
  }
}
