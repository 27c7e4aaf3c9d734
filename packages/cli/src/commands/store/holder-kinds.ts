import type { Holder } from "@exp/content";

/**
 * What keeps blobs in the store, in the words `exp du` and `exp prune --filter type=` use:
 *
 * - `image`: an image kept by `type=image` under `image/<name>` (exp image ls / rm)
 * - `regular`: a build cache record (a COPY layer by cache key, or a base image or imported
 *   cache chain it was found in, or an SBOM scan by what it read), as BuildKit calls its
 *   ordinary cache records
 * - `source.local`: the file hashes of build contexts, which spare the next build reading
 *   unchanged files (what BuildKit's source.local records are for)
 * - `history`: a build record (exp history ls)
 * - `lease`: a build or export running now
 * - `root`: any other named root (written through the @exp/content API by someone else)
 */
export type HolderKind = "image" | "regular" | "source.local" | "history" | "lease" | "root";

/** What `exp prune` may remove, in the order its help lists them. */
export const prunableKinds = ["regular", "source.local", "history"] as const;
export type PrunableKind = (typeof prunableKinds)[number];

export const imageRootPrefix = "image/";

// The root names the solver gives its records (@exp/solver's CacheRecords and hash cache store, @exp/sbom's scan cache);
// du's test builds through the CLI and fails if one of them shows up as an unknown root.
const regularPrefixes = ["exp.cache/", "exp.cache-image/", "exp.http/", "exp.sbom/"];
const sourceLocalRoot = "exp.hash-cache";

export function holderKind(holder: Holder): HolderKind {
  if (holder.kind !== "root") return holder.kind;
  return rootKind(holder.name);
}

export function rootKind(name: string): Exclude<HolderKind, "history" | "lease"> {
  if (name.startsWith(imageRootPrefix)) return "image";
  if (regularPrefixes.some((prefix) => name.startsWith(prefix))) return "regular";
  if (name === sourceLocalRoot) return "source.local";
  return "root";
}

export function isPrunableKind(kind: string): kind is PrunableKind {
  return (prunableKinds as readonly string[]).includes(kind);
}

/** A holder's id as prune and du print it: a history id, a root name, a lease id. */
export function holderId(holder: Holder): string {
  return holder.kind === "root" ? holder.name : holder.id;
}
