import { readFile } from "node:fs/promises";
import type { Rig } from "./rig.js";

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks (getconf CLK_TCK = 100 everywhere it matters). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) of a process, plus those of its children it has waited for. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime, stime, cutime, cstime are fields 14–17 of stat(5); here, after pid and comm, 11–14.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds per process of the rig, by role. */
export type RigCpu = Record<"registry" | "swift" | "azurite" | "links", number>;

/**
 * The CPU time the rig's processes (registries, Swift's five servers, Azurite, the link proxies' host) have
 * used so far: a scenario subtracts two snapshots to show who was short of CPU in a run, beside
 * exp's own time (process.cpuUsage), since on 2 cores they all share the machine.
 */
export async function rigCpu(rig: Rig): Promise<RigCpu> {
  const sum = async (pids: readonly number[]) => (await Promise.all(pids.map(processCpuSeconds))).reduce((a, b) => a + b, 0);
  return {
    registry: await sum(rig.registries.map((r) => r.server.pid)),
    swift: await sum(rig.s3?.server.processes.map((p) => p.pid) ?? []),
    azurite: await sum(rig.azblob ? [rig.azblob.server.pid] : []),
    links: await sum([rig.links.pid]),
  };
}

export function cpuSince(before: RigCpu, after: RigCpu): RigCpu {
  return { registry: after.registry - before.registry, swift: after.swift - before.swift, azurite: after.azurite - before.azurite, links: after.links - before.links };
}
