import { startFaultProxy, type FaultProxy, type FaultProxyOptions } from "@exp/testing";

/**
 * Child process behind `startLinks`: hosts the bandwidth-limiting proxies, so their byte copying
 * and timers run on their own event loop, not on exp's (a runner's network is not in its process).
 * Speaks a tiny request/response protocol over the IPC channel.
 */
type Request =
  | { id: number; op: "start"; options: Omit<FaultProxyOptions, "signal"> }
  | { id: number; op: "stats" | "reset" | "stop"; proxy: string };

const proxies = new Map<string, FaultProxy>();

async function handle(request: Request): Promise<unknown> {
  if (request.op === "start") {
    const proxy = await startFaultProxy(request.options);
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
