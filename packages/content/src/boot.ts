import { readFile } from "node:fs/promises";
import { uptime } from "node:os";

// Some records are written without fsync because losing them in a machine crash costs nothing
// (leases) or because they can be rebuilt (the label index). Both need to know whether a file on
// disk may have been through a crash, and a crash always means a new boot: files written during
// the current boot went through the page cache, which every process on the machine sees, so they
// are complete whether or not they reached the disk.

let cached: Promise<string> | undefined;

/**
 * An identifier of the running boot of this machine: the kernel's random boot id on Linux, else
 * the boot time (compared with some tolerance by sameBoot, since it is derived from the clock).
 */
export function currentBoot(): Promise<string> {
  cached ??= readFile("/proc/sys/kernel/random/boot_id", "utf8").then(
    (text) => {
      const id = text.trim();
      return id === "" ? bootTimeId() : `boot-id:${id}`;
    },
    () => bootTimeId(),
  );
  return cached;
}

function bootTimeId(): string {
  return `boot-time:${Math.round(bootStartedAt())}`;
}

/** When this machine booted, in ms since the epoch, by the current wall clock. */
export function bootStartedAt(): number {
  return Date.now() - uptime() * 1000;
}

/** Whether `recorded` (from currentBoot, maybe in another process) names the running boot. */
export function sameBoot(recorded: unknown, current: string): boolean {
  if (typeof recorded !== "string") return false;
  if (recorded === current) return true;
  const a = /^boot-time:(\d+)$/.exec(recorded);
  const b = /^boot-time:(\d+)$/.exec(current);
  // The boot time is "now - uptime", which jitters by the resolution of uptime (a second on some
  // platforms). A reboot changes it by at least the previous boot's uptime.
  return a !== null && b !== null && Math.abs(Number(a[1]) - Number(b[1])) <= 2000;
}
