import type { TreeDifference, TreeEntry, TreeSnapshot } from "./tree.js";

/**
 * Every way tree `b` differs from tree `a`, path by path (sorted), as human-readable values: a path
 * present in one only, then type, mode (octal, with setuid/setgid/sticky), uid, gid, content, symlink
 * target, device numbers, hard-link group and each extended attribute. Empty when the trees are the
 * same. Modification times are not compared. When the types differ, only the type is reported: the
 * rest would be noise (a directory's mode against a symlink's). And when a directory is absent or
 * not a directory on one side, more than 3 paths below it that only the other side has are one
 * summary line (`/etc/…: presence 104 paths != absent`), not one line each.
 */
export function diffTrees(a: TreeSnapshot, b: TreeSnapshot): TreeDifference[] {
  return collapseBelow(compareEntries(a, b), a, b);
}

function compareEntries(a: TreeSnapshot, b: TreeSnapshot): TreeDifference[] {
  const out: TreeDifference[] = [];
  const paths = [...new Set([...a.entries.keys(), ...b.entries.keys()])].sort();
  for (const path of paths) {
    const ea = a.entries.get(path);
    const eb = b.entries.get(path);
    if (!ea || !eb) {
      out.push({ path, field: "presence", a: ea ? describeEntry(ea) : "absent", b: eb ? describeEntry(eb) : "absent" });
      continue;
    }
    if (ea.type !== eb.type) {
      out.push({ path, field: "type", a: describeEntry(ea), b: describeEntry(eb) });
      continue;
    }
    const field = (name: string, va: string | undefined, vb: string | undefined) => {
      if (va !== vb) out.push({ path, field: name, a: va ?? "none", b: vb ?? "none" });
    };
    field("mode", octal(ea.mode), octal(eb.mode));
    field("uid", String(ea.uid), String(eb.uid));
    field("gid", String(ea.gid), String(eb.gid));
    field("content", content(ea), content(eb));
    field("target", ea.target, eb.target);
    field("rdev", ea.rdev, eb.rdev);
    field("links", ea.links?.join(" "), eb.links?.join(" "));
    for (const name of [...new Set([...Object.keys(ea.xattrs), ...Object.keys(eb.xattrs)])].sort()) {
      field(`xattr ${name}`, ea.xattrs[name], eb.xattrs[name]);
    }
  }
  return out;
}

// Up to this many paths below are still listed one by one (their names say what went where).
const LIST_BELOW = 3;

/**
 * Folds presence differences below a directory that the other side lacks (absent, or another type)
 * into one line per directory and side, when there are more than a few.
 */
function collapseBelow(differences: TreeDifference[], a: TreeSnapshot, b: TreeSnapshot): TreeDifference[] {
  const out: TreeDifference[] = [];
  // The directory being folded: its path, which side has it, and the differences below it.
  let folding: { path: string; side: "a" | "b"; below: TreeDifference[] } | undefined;
  const flush = () => {
    if (folding && folding.below.length > LIST_BELOW) {
      const paths = `${folding.below.length} paths`;
      out.push({ path: `${folding.path}/…`, field: "presence", a: folding.side === "a" ? paths : "absent", b: folding.side === "b" ? paths : "absent" });
    } else if (folding) {
      out.push(...folding.below);
    }
    folding = undefined;
  };
  for (const d of differences) {
    if (folding && d.path.startsWith(`${folding.path}/`) && d.field === "presence" && (folding.side === "a" ? d.b === "absent" : d.a === "absent")) {
      folding.below.push(d);
      continue;
    }
    if (folding && !d.path.startsWith(`${folding.path}/`)) flush();
    out.push(d);
    if (!folding && (d.field === "presence" || d.field === "type")) {
      const ea = a.entries.get(d.path);
      const eb = b.entries.get(d.path);
      if (ea?.type === "dir" && eb?.type !== "dir") folding = { path: d.path === "/" ? "" : d.path, side: "a", below: [] };
      else if (eb?.type === "dir" && ea?.type !== "dir") folding = { path: d.path === "/" ? "" : d.path, side: "b", below: [] };
    }
  }
  flush();
  return out;
}

/** "path: field a != b", one difference per line, for assertion messages. */
export function formatDifferences(differences: readonly TreeDifference[]): string {
  return differences.map((d) => `${d.path}: ${d.field} ${d.a} != ${d.b}`).join("\n");
}

/** A one-line description of an entry: "file 0644 0:0 sha256:3f2a…(12 B)", "symlink -> usr/bin". */
export function describeEntry(e: TreeEntry): string {
  const base = `${e.type} ${octal(e.mode)} ${e.uid}:${e.gid}`;
  if (e.type === "file") return `${base} ${content(e)}`;
  if (e.type === "symlink") return `${base} -> ${e.target}`;
  if (e.rdev) return `${base} ${e.rdev}`;
  return base;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

function content(e: TreeEntry): string | undefined {
  return e.type === "file" ? `sha256:${e.sha256?.slice(0, 12) ?? "?"}…(${e.size} B)` : undefined;
}
