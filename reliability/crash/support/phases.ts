import { relative, sep } from "node:path";

/**
 * The phases issue 8 names. A kill point is "the n-th tick of a phase": each phase has its own
 * stream of ticks (filesystem calls or progress events that only happen in it), so a kill lands
 * inside the phase however short it is — a history write is a few milliseconds, which a random
 * time offset would almost never hit.
 */
export const phases = ["layer", "compress", "ingest", "finalize", "history", "gc"] as const;
export type Phase = (typeof phases)[number];

/** What the test hands the hook in the child's environment (EXP_CRASH_HOOK, JSON). */
export interface HookConfig {
  /** The store under test: only calls on paths in it are ingest, history or gc ticks. */
  root: string;
  /** "count": tally every phase's ticks and write them to `report` at exit; "kill": SIGKILL at tick `at` of `phase`. */
  mode: "count" | "kill";
  phase?: Phase;
  at?: number;
  /** Where the hook writes a KillReport (kill) or TickCounts (count) just before the process dies. */
  report: string;
  /** Debugging aid: append every tick ("<phase> <n> <point>") to this file. */
  trace?: string;
}

export type TickCounts = Record<Phase, number>;

/** Written by the hook right before it kills its own process: the proof of where the kill landed. */
export interface KillReport {
  phase: Phase;
  tick: number;
  /** The call or event the process died before, e.g. "rename meta/history/.x.tmp -> meta/history/x.json". */
  point: string;
}

/**
 * Which store area a path is in, relative to the root with "/" separators: "blobs/sha256/…",
 * "meta/history/…". Undefined outside the store.
 */
export function storePath(root: string, path: string): string | undefined {
  const rel = relative(root, path);
  if (rel === "") return ".";
  if (rel.startsWith("..") || rel.startsWith(sep)) return undefined;
  return rel.split(sep).join("/");
}

/**
 * A call that is part of an ingest's commit, when made while an ingest is open (the hook tracks
 * that): the fsync and close of the temp file, the lease entry, the blob record and its label
 * hints, the link into blobs/ and the directory fsync, plus opening the temp file. Not the writes
 * of the bytes themselves: the layer and compress phases kill in those.
 */
export function isIngestPath(rel: string, call: string): boolean {
  if (rel.startsWith("ingest/")) return call !== "fh.write";
  if (rel.startsWith("meta/blobs/") || rel.startsWith("meta/labels/")) return true;
  if (/^meta\/leases\/[^/]+\/resources(\/|$)/.test(rel)) return true;
  // link(temp, blobs/…) and open(blobs/sha256) for the directory fsync.
  return rel === "blobs/sha256" || (rel.startsWith("blobs/") && (call === "link" || call === "rename"));
}

export function isHistoryPath(rel: string): boolean {
  return rel === "meta/history" || rel.startsWith("meta/history/");
}
