import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { FaultProxyOptions, FaultProxyStats } from "@exp/testing";

/** A bandwidth-limiting proxy running in the link host process. */
export interface RemoteLink {
  url: string;
  host: string;
  stats(): Promise<FaultProxyStats>;
  reset(): Promise<void>;
}

export interface LinkHost {
  /** `uplink` names a link shared with every other proxy started with that name. */
  start(options: Omit<FaultProxyOptions, "signal">, uplink?: string): Promise<RemoteLink>;
  stop(): Promise<void>;
  /** The host process, for its CPU time. */
  readonly pid: number;
}

/** Starts the child process that hosts every link proxy of a scenario (see link-host.ts for why). */
export async function startLinkHost(): Promise<LinkHost> {
  const child: ChildProcess = fork(join(import.meta.dirname, "link-host.ts"), [], {
    // EXP_BENCH_LINK_PROFILE=<dir>: a CPU profile of the link host, to see what the links cost.
    execArgv: ["--conditions=@exp/source", "--import", "tsx", ...(process.env.EXP_BENCH_LINK_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.EXP_BENCH_LINK_PROFILE}`] : [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // structured clone, so fault rules with RegExp matchers survive the trip
    serialization: "advanced",
  });
  let next = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on("message", (message: { id: number; value?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`link host: ${message.error}`));
    else waiter?.resolve(message.value);
  });
  child.on("exit", (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`link host exited with ${code}`));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  const call = <T>(message: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, ...message });
    });
  return {
    pid: child.pid!,
    async start(options, uplink) {
      const { url, host } = await call<{ url: string; host: string }>({ op: "start", options, ...(uplink === undefined ? {} : { uplink }) });
      return { url, host, stats: () => call<FaultProxyStats>({ op: "stats", proxy: host }), reset: () => call<void>({ op: "reset", proxy: host }) };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** Request-body bytes the links forwarded since their last reset: what crossed the modelled uplinks. */
export async function bytesSent(links: readonly RemoteLink[]): Promise<number> {
  return (await Promise.all(links.map((link) => link.stats()))).reduce((sum, stats) => sum + stats.requestBytes, 0);
}
