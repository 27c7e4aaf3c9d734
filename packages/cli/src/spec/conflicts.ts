import { statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { ExpError } from "@exp/errors";
import type { Spec } from "./output.js";

/**
 * Two outputs that would write to the same place: both to stdout, both to one path, or one inside
 * a `type=local` directory (which the local exporter swaps in as a whole, so whatever another
 * writer put inside it meanwhile is lost). Found before the build: each output would succeed on
 * its own, and together they would silently leave one result, or a mix of both.
 */
export class OutputConflictError extends ExpError {
  constructor(message: string) {
    super("ERR_OUTPUT_CONFLICT", message);
  }
}

/** A `--metadata-file` or `--trace` path that cannot be a file: it is a directory. */
export class InvalidFileFlagError extends ExpError {
  constructor(flag: string, path: string) {
    super("ERR_INVALID_DEST", `${flag} ${path} is a directory; give the path of a file to write (e.g. ${flag} ${path.replace(/\/+$/, "")}/build.json)`);
  }
}

export interface WriteTargets {
  outputs: readonly Spec[];
  cacheTo: readonly Spec[];
  /** `--metadata-file`, `--trace`: files written after the export. */
  files?: ReadonlyArray<{ flag: string; path: string | undefined }>;
}

interface Target {
  label: string;
  path: string;
  /**
   * A directory its writer clears of everything the result does not have (type=local,mode=delete).
   * With mode=copy, the default, a local export only writes the result's own paths, in place.
   */
  replacedWhole: boolean;
}

/** Throws OutputConflictError for the first pair of writes that collide; relative paths are the user's, against `cwd`. */
export function checkOutputConflicts(targets: WriteTargets, cwd: string): void {
  const describe = (flag: string, spec: Spec) => `${flag} type=${spec.type},dest=${spec.attrs.dest}`;
  const stdout = targets.outputs.filter((o) => o.attrs.dest === "-");
  if (stdout.length > 1) {
    throw new OutputConflictError(`${describe("-o", stdout[0]!)} and ${describe("-o", stdout[1]!)} both write to stdout; only one output can (give the other dest=<file>)`);
  }
  const all: Target[] = [
    ...targets.outputs.filter((o) => hasPath(o.attrs.dest)).map((o) => ({ label: describe("-o", o), path: resolve(cwd, o.attrs.dest!), replacedWhole: o.type === "local" && o.attrs.mode === "delete" })),
    ...targets.cacheTo.filter((c) => c.type === "local" && hasPath(c.attrs.dest)).map((c) => ({ label: describe("--cache-to", c), path: resolve(cwd, c.attrs.dest!), replacedWhole: false })),
    ...(targets.files ?? []).filter((f) => hasPath(f.path)).map((f) => ({ label: `${f.flag} ${f.path}`, path: resolve(cwd, f.path!), replacedWhole: false })),
  ];
  // Written after the export: found now, a bad path cannot fail a build whose outputs were already replaced.
  for (const file of targets.files ?? []) {
    if (hasPath(file.path) && statSync(resolve(cwd, file.path), { throwIfNoEntry: false })?.isDirectory()) throw new InvalidFileFlagError(file.flag, file.path);
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [a, b] = [all[i]!, all[j]!];
      if (a.path === b.path) throw new OutputConflictError(`${a.label} and ${b.label} write to the same path ${a.path}; give each its own destination`);
      for (const [outer, inner] of [
        [a, b],
        [b, a],
      ] as const) {
        if (outer.replacedWhole && isInside(inner.path, outer.path)) {
          throw new OutputConflictError(`${inner.label} is inside the directory of ${outer.label}, whose mode=delete removes what the result does not have; write it outside ${outer.path}, or use mode=copy`);
        }
      }
    }
  }
}

function hasPath(dest: string | undefined): dest is string {
  return dest !== undefined && dest !== "" && dest !== "-";
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}
