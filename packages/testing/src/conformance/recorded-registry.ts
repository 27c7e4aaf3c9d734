import { afterAll, beforeAll } from "vitest";
import { startFaultProxy, type FaultProxy } from "../fault-proxy.js";
import { startRegistry, type TestRegistry } from "../registry.js";
import type { ConformanceRequest } from "./types.js";

export interface RecordedRegistry<C> {
  /** The client the exporter is handed (the build's registry client). */
  client(): C;
  /** The registry itself, for the artifact probe: reads that bypass the proxy and its log. */
  url(): string;
  /** A target in the registry through the proxy, one repository per check: `<proxy>/conformance/<id>:<tag>`. */
  target(tag: string): (check: { id: string }) => string;
  /** Every request the exporter sent, as the proxy logged it. */
  requests(): readonly ConformanceRequest[];
  /** Slows every request by 3 s, so the abort check catches a push mid-way; returns the undo. */
  throttle(): () => Promise<void>;
}

/**
 * A real registry behind a recording, throttleable proxy for one test file's conformance runs
 * (started before its tests, stopped after), with the client the exporter uses; what a
 * registry-pushing exporter's conformance options need. `makeClient` keeps @exp/testing free of
 * the registry client package: the test file brings its own.
 */
export function recordedRegistry<C extends { close(): Promise<void> }>(makeClient: () => C): RecordedRegistry<C> {
  let registry: TestRegistry | undefined;
  let proxy: FaultProxy | undefined;
  let client: C | undefined;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
    client = makeClient();
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await registry?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("recordedRegistry: used before its beforeAll ran (call it at the top of a describe)");
    return value;
  };
  return {
    client: () => started(client),
    url: () => started(registry).url,
    target: (tag) => ({ id }) => `${started(proxy).host}/conformance/${id}:${tag}`,
    requests: () => started(proxy).stats.log,
    throttle: () => {
      started(proxy).setRules([{ every: true, fault: { type: "delay", ms: 3000 } }]);
      return async () => started(proxy).setRules([]);
    },
  };
}
