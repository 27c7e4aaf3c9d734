import { LocalConflictError } from "../errors.js";
import type { DirNode, TreeNode } from "./rootfs-tree.js";

export interface LabelledRoot {
  /** The platform, as the user wrote it ("linux/amd64"), for error messages. */
  label: string;
  root: DirNode;
}

/**
 * platform-split=false: one filesystem holding every platform's files. Directories merge; any
 * other path that two platforms both have must be the same (same type, same bytes and mode, same
 * symlink target), else ERR_LOCAL_CONFLICT names it. BuildKit refuses every non-directory path
 * two platforms share, identical or not; identical files (a LICENSE, a shared config) are the
 * common case of a merged export, so we let those through. The inputs are not modified.
 */
export function mergeRoots(roots: readonly LabelledRoot[]): DirNode {
  const first = roots[0];
  const merged: DirNode = { kind: "dir", meta: { ...(first?.root.meta ?? { mode: 0o755, uid: 0, gid: 0, mtimeMs: 0 }) }, layer: -1, children: new Map() };
  // Which platform put each merged node there, to name both sides of a conflict.
  const origin = new WeakMap<TreeNode, string>();
  for (const { label, root } of roots) mergeDir(merged, root, "", label, origin);
  return merged;
}

function mergeDir(into: DirNode, from: DirNode, prefix: string, label: string, origin: WeakMap<TreeNode, string>): void {
  for (const [name, node] of from.children) {
    const path = prefix === "" ? name : `${prefix}/${name}`;
    const existing = into.children.get(name);
    if (!existing) {
      into.children.set(name, adopt(node, label, origin));
    } else if (existing.kind === "dir" && node.kind === "dir") {
      mergeDir(existing, node, path, label, origin);
    } else {
      const difference = differenceOf(existing, node);
      if (difference) throw new LocalConflictError(path, origin.get(existing) ?? "another platform", label, difference);
    }
  }
}

/** Files and symlinks are shared; directories are copied, since later platforms add to them. */
function adopt(node: TreeNode, label: string, origin: WeakMap<TreeNode, string>): TreeNode {
  const adopted: TreeNode =
    node.kind === "dir" ? { ...node, children: new Map([...node.children].map(([name, child]) => [name, adopt(child, label, origin)])) } : node;
  origin.set(adopted, label);
  return adopted;
}

function differenceOf(a: TreeNode, b: TreeNode): string | undefined {
  if (a.kind !== b.kind) return `a ${kindName(a)} and a ${kindName(b)}`;
  if (a.kind === "symlink" && b.kind === "symlink") {
    return a.target === b.target ? undefined : `symlink to ${JSON.stringify(a.target)} and to ${JSON.stringify(b.target)}`;
  }
  if (a.kind === "file" && b.kind === "file") {
    const same = a.content === b.content || (a.content.size === b.content.size && a.content.digest !== undefined && a.content.digest === b.content.digest);
    if (!same) return "different content";
    if (a.meta.mode !== b.meta.mode) return `mode ${octal(a.meta.mode)} and ${octal(b.meta.mode)}`;
  }
  return undefined;
}

function kindName(node: TreeNode): string {
  return node.kind === "dir" ? "directory" : node.kind === "file" ? "file" : "symlink";
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, "0")}`;
}
