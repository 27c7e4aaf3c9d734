import diagnosticsChannel from "node:diagnostics_channel";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, type Dispatcher } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { findFreePort } from "@exp/testing";
import { RegistryUnreachableError } from "../errors.js";
import { Authenticator } from "./authenticator.js";
import { connectionFailureOf } from "./connection-failure.js";
import { Hosts } from "./hosts.js";
import { isRetryableNetworkError, retryPolicy, type RetryOptions } from "./retry.js";
import { Transport } from "./transport.js";

// Issue 19, point 6: a refused connection was retried 7 times (9.8 s) before the build went on
// without its --cache-from; a connection that cannot be made gets one retry at most.

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});


/** Counts undici's failed connection attempts to one port (each try of a request is one). */
function countConnectErrors(port: number): { count: () => number; stop: () => void } {
  let count = 0;
  const listener = (message: unknown) => {
    const { connectParams } = message as { connectParams: { port: string | number } };
    if (Number(connectParams.port) === port) count++;
  };
  diagnosticsChannel.subscribe("undici:client:connectError", listener);
  return { count: () => count, stop: () => diagnosticsChannel.unsubscribe("undici:client:connectError", listener) };
}

/** Hosts whose connections fail as a resolver answers `code`, counting the tries. */
class ResolverFailingHosts extends Hosts {
  lookups = 0;
  private readonly agent: Agent;
  constructor(code: string) {
    super();
    this.agent = new Agent({
      connect: (options, callback) => {
        this.lookups++;
        callback(Object.assign(new Error(`getaddrinfo ${code} ${options.hostname}`), { code, hostname: options.hostname }), null);
      },
    });
  }
  override async dispatcher(): Promise<Dispatcher> {
    return this.agent;
  }
  override async close(): Promise<void> {
    await this.agent.close();
  }
}

async function request(registry: string, retry: RetryOptions = {}, target = "/v2/x/manifests/latest"): Promise<{ error: unknown; elapsedMs: number }> {
  const hosts = new Hosts();
  const transport = new Transport(hosts, new Authenticator(hosts, { env: {} }), retryPolicy(retry));
  const started = Date.now();
  try {
    await transport.request({ registry, scopes: [], method: "GET", target, expect: [200], action: `fetching manifest ${registry}/x:latest` });
    return { error: undefined, elapsedMs: Date.now() - started };
  } catch (error) {
    return { error, elapsedMs: Date.now() - started };
  } finally {
    await hosts.close();
  }
}

describe("a connection that cannot be made", () => {
  it("refused: tried twice, well under a second, and named as nothing listening", async () => {
    const port = await findFreePort();
    const connects = countConnectErrors(port);
    try {
      // The default policy: 7 tries within 60 s for what retrying can cure.
      const { error, elapsedMs } = await request(`127.0.0.1:${port}`);
      expect(error).toBeInstanceOf(RegistryUnreachableError);
      const unreachable = error as RegistryUnreachableError;
      expect(unreachable.code).toBe("ERR_REGISTRY_UNREACHABLE");
      expect(unreachable.message).toBe(
        `fetching manifest 127.0.0.1:${port}/x:latest: nothing is listening on 127.0.0.1:${port} (ECONNREFUSED, 2 attempts); check the host and port, and that the registry is running`,
      );
      expect([unreachable.host, unreachable.reason, unreachable.attempts]).toEqual([`127.0.0.1:${port}`, "refused", 2]);
      expect(connects.count()).toBe(2);
      expect(elapsedMs).toBeLessThan(3_000);
      // Outer retry loops (an upload session, a resumed body) must not start the tries over.
      expect(isRetryableNetworkError(error)).toBe(false);
    } finally {
      connects.stop();
    }
  });

  it("refused with retries turned off: one try", async () => {
    const port = await findFreePort();
    const { error } = await request(`127.0.0.1:${port}`, { attempts: 1 });
    expect(error).toMatchObject({ code: "ERR_REGISTRY_UNREACHABLE", attempts: 1 });
    expect((error as Error).message).toContain(`nothing is listening on 127.0.0.1:${port} (ECONNREFUSED, 1 attempt)`);
  });

  it("a host name that does not resolve: not retried when the name does not exist, once when the resolver did not answer", async () => {
    // .invalid never resolves (RFC 6761); a machine without a resolver answers EAI_AGAIN instead.
    const { error, elapsedMs } = await request("registry.invalid");
    expect(error).toBeInstanceOf(RegistryUnreachableError);
    const unreachable = error as RegistryUnreachableError;
    expect(unreachable.message).toMatch(/^fetching manifest registry\.invalid\/x:latest: the host name registry\.invalid could not be resolved \((ENOTFOUND: no such host, 1 attempt\); check its spelling|EAI_AGAIN: the DNS resolver did not answer, 2 attempts\); check the network and the DNS settings)$/);
    expect(unreachable.attempts).toBe(unreachable.reason === "host-not-found" ? 1 : 2);
    expect(unreachable.fault).toBe(unreachable.reason === "host-not-found" ? "client" : "server");
    expect(elapsedMs).toBeLessThan(3_000 + (unreachable.reason === "dns-unavailable" ? 10_000 : 0));
  });

  it.each([
    ["ENOTFOUND", 1, "the host name registry.example could not be resolved (ENOTFOUND: no such host, 1 attempt); check its spelling"],
    ["EAI_AGAIN", 2, "the host name registry.example could not be resolved (EAI_AGAIN: the DNS resolver did not answer, 2 attempts); check the network and the DNS settings"],
  ])("%s from the resolver: %i tries", async (code, tries, message) => {
    const hosts = new ResolverFailingHosts(code);
    const transport = new Transport(hosts, new Authenticator(hosts, { env: {} }), retryPolicy());
    const error = await transport
      .request({ registry: "registry.example", scopes: [], method: "GET", target: "/v2/", expect: [200], action: "checking registry.example" })
      .catch((e: unknown) => e);
    await hosts.close();
    expect(error).toBeInstanceOf(RegistryUnreachableError);
    expect((error as Error).message).toBe(`checking registry.example: ${message}`);
    expect(hosts.lookups).toBe(tries);
  });

  it("a reset still gets the whole retry budget", async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      if (requests <= 4) return void req.socket.destroy();
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { error } = await request(`127.0.0.1:${(server.address() as AddressInfo).port}`, { baseDelayMs: 5, maxDelayMs: 20 });
    expect(error).toBeUndefined();
    expect(requests).toBe(5);
  });
});

describe("connectionFailureOf", () => {
  const system = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

  it("finds the failure in the cause chain and among an AggregateError's errors", () => {
    expect(connectionFailureOf(new Error("wrapped", { cause: system("ECONNREFUSED") }))).toMatchObject({ kind: "refused", code: "ECONNREFUSED" });
    expect(connectionFailureOf(new AggregateError([system("ETIMEDOUT"), system("ECONNREFUSED")]))).toMatchObject({ kind: "refused", code: "ECONNREFUSED" });
    expect(connectionFailureOf(system("ENOTFOUND"))).toMatchObject({ kind: "host-not-found", code: "ENOTFOUND" });
    expect(connectionFailureOf(system("EAI_AGAIN"))).toMatchObject({ kind: "dns-unavailable", code: "EAI_AGAIN" });
  });

  it("leaves resets, timeouts and TLS errors to the retry budget", () => {
    for (const code of ["ECONNRESET", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "DEPTH_ZERO_SELF_SIGNED_CERT"]) expect(connectionFailureOf(system(code))).toBeUndefined();
    expect(isRetryableNetworkError(system("ECONNRESET"))).toBe(true);
  });
});
