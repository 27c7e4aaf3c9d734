import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { bootStartedAt } from "./boot.js";
import { isPidAlive } from "./temp-files.js";

/**
 * The process a lease belongs to. A build's leases live as long as the build; a build killed with
 * SIGKILL never releases them, and without an expiry they would pin their blobs forever. So a
 * lease records its holder, and a lease whose holder is gone counts as expired (GC releases it).
 */
export interface LeaseHolder {
  pid: number;
  /** Only processes on this host can be checked; a lease from another host waits for its expiry. */
  host: string;
  /** The process's start time in clock ticks since boot (Linux), so a recycled pid is not taken for the holder. */
  start?: string;
}

let self: LeaseHolder | undefined;

export function currentHolder(): LeaseHolder {
  if (!self) {
    const start = processStart(process.pid);
    self = { pid: process.pid, host: hostname(), ...(start ? { start } : {}) };
  }
  return self;
}

/** Field 22 of /proc/<pid>/stat; undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * True when the holder is certainly gone: the lease was made before this boot, or on this host its
 * pid is dead or now belongs to a process that started at another time. Unknown means alive: a
 * wrong "gone" would let GC delete what a running build needs.
 */
export function holderIsGone(holder: LeaseHolder, createdAt: Date): boolean {
  if (createdAt.getTime() < bootStartedAt() - 1000) return true;
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return holder.start !== undefined && holder.start !== currentHolder().start;
  if (!isPidAlive(holder.pid)) return true;
  const start = processStart(holder.pid);
  return holder.start !== undefined && start !== undefined && start !== holder.start;
}
