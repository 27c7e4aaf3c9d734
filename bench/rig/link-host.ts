import { Link, startFaultProxy, type FaultProxy, type FaultProxyOptions } from "@exp/testing";

/**
 * Child process behind `startLinks`: hosts the bandwidth-limiting proxies, so their byte copying
 * and timers run on their own event loop, not on exp's (a runner's network is not in its process).
 * Speaks a tiny request/response protocol over the IPC channel.
 */
type Request =
  | { id: number; op: "start"; options: Omit<FaultProxyOptions, "signal">; uplink?: string }
  | { id: number; op: "stats" | "reset" | "stop"; proxy: string };

const proxies = new Map<string, FaultProxy>();
/** Links shared by name: proxies started with the same `uplink` share one bandwidth (a runner's uplink). */
const uplinks = new Map<string, Link>();

async function handle(request: Request): Promise<unknown> {
  if (request.op === "start") {
    const { uplink, options } = request;
    if (uplink !== undefined && options.link !== undefined && !(options.link instanceof Link)) {
      if (!uplinks.has(uplink)) uplinks.set(uplink, new Link(options.link));
      options.link = uplinks.get(uplink)!;
    }
    // No client of a bench link gives up mid-body, and the watch's polls of /proc/net/tcp were a
    // third of the link host's CPU, taken from exp and the servers (bench/OPTIMIZATIONS.md).
    const proxy = await startFaultProxy({ watchClientClose: false, ...options });
    proxies.set(proxy.host, proxy);
    return { url: proxy.url, host: proxy.host };
  }
  const proxy = proxies.get(request.proxy);
  if (!proxy) throw new Error(`no proxy ${request.proxy}`);
  if (request.op === "stats") return proxy.stats;
  if (request.op === "reset") return proxy.reset();
  proxies.delete(request.proxy);
  return proxy.stop();
}

process.on("message", (request: Request) => {
  handle(request).then(
    (value) => process.send!({ id: request.id, value }),
    (error: unknown) => process.send!({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on("disconnect", () => process.exit(0));
