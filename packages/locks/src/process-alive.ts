import { hasCode } from "./fs-errors.js";

/**
 * Whether a process with this pid exists on this host. Signal 0 checks without delivering
 * anything; EPERM means it exists but belongs to someone else. A recycled pid makes a dead holder
 * look alive until that process exits too: its lock then waits out the stale limit, never the
 * other way round (a live holder is never taken for dead).
 */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !hasCode(error, "ESRCH");
  }
}
