import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { isProcessAlive } from "./process-alive.js";

/**
 * What a lock file holds: `<pid> <host> <token>`. The pid and host let a waiter on the same host
 * see at once that the holder was killed; the random token makes each taking of a lock distinct,
 * so a holder can tell on release whether the file is still its own (the same process may have
 * lost the lock and taken it again meanwhile).
 */
export function newHolder(): string {
  return `${process.pid} ${hostname()} ${randomBytes(8).toString("hex")}`;
}

/**
 * A holder on this host whose process no longer runs. Locks written by earlier versions name
 * `<pid> <host>` (the layout lock) or `<pid> <host> <token>` (the push lock): both are judged the
 * same way. A bare pid or an empty file names no host and is never judged dead; it waits out the
 * stale limit.
 */
export function holderIsDead(content: string): boolean {
  const [pid, host] = content.trim().split(" ");
  return host === hostname() && /^\d+$/.test(pid ?? "") && !isProcessAlive(Number(pid));
}
