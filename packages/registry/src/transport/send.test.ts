import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Hosts } from "./hosts.js";
import { send } from "./send.js";

const servers: Server[] = [];

async function serve(handler: (url: string, headers: IncomingHttpHeaders) => { status: number; location?: string }): Promise<{ origin: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const { status, location } = handler(req.url ?? "", req.headers);
    res.writeHead(status, location ? { location } : {}).end("ok");
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe("send: redirects", () => {
  it("keeps Authorization on the same host and drops it when a redirect leaves it", async () => {
    const storage = await serve(() => ({ status: 200 }));
    const registry = await serve((url) =>
      url.startsWith("/v2/a/blobs/local") ? { status: 200 } : url.startsWith("/v2/a/blobs/same") ? { status: 307, location: "/v2/a/blobs/local" } : { status: 307, location: `${storage.origin}/bucket/blob` },
    );
    const hosts = new Hosts();
    const same = await send(hosts, { method: "GET", url: new URL(`${registry.origin}/v2/a/blobs/same`), headers: { authorization: "Bearer secret-token" } });
    await same.body.dump();
    expect(registry.seen.map((h) => h.authorization)).toEqual(["Bearer secret-token", "Bearer secret-token"]);
    const away = await send(hosts, { method: "GET", url: new URL(`${registry.origin}/v2/a/blobs/away`), headers: { authorization: "Bearer secret-token" } });
    expect(away.status).toBe(200);
    expect(away.url.toString()).toBe(`${storage.origin}/bucket/blob`);
    await away.body.dump();
    expect(storage.seen).toHaveLength(1);
    expect(storage.seen[0]!.authorization).toBeUndefined();
    await hosts.close();
  });

  it("stops after too many redirects with a protocol error", async () => {
    const loop = await serve(() => ({ status: 302, location: "/again" }));
    const hosts = new Hosts();
    await expect(send(hosts, { method: "GET", url: new URL(`${loop.origin}/start`), headers: {} })).rejects.toMatchObject({ code: "ERR_REGISTRY_PROTOCOL" });
    await hosts.close();
  });
});

describe("Hosts", () => {
  it("uses plain HTTP only for loopback registries, and for insecure ones that answer HTTPS with HTTP", () => {
    const hosts = new Hosts({ insecure: ["registry.internal:5000"] });
    expect(hosts.baseUrl("127.0.0.1:5000")).toBe("http://127.0.0.1:5000");
    expect(hosts.baseUrl("localhost:5000")).toBe("http://localhost:5000");
    // BuildKit's httpFallback (util/resolver/resolver.go): HTTPS without verification first.
    expect(hosts.baseUrl("registry.internal:5000")).toBe("https://registry.internal:5000");
    const plain = Object.assign(new Error("write EPROTO"), { code: "ERR_SSL_WRONG_VERSION_NUMBER" });
    expect(hosts.fallBackToHttp("ghcr.io", plain)).toBe(false);
    expect(hosts.fallBackToHttp("registry.internal:5000", new Error("ECONNRESET"))).toBe(false);
    expect(hosts.fallBackToHttp("registry.internal:5000", new Error("wrapped", { cause: plain }))).toBe(true);
    expect(hosts.baseUrl("registry.internal:5000")).toBe("http://registry.internal:5000");
    expect(hosts.fallBackToHttp("registry.internal:5000", plain)).toBe(true);
    expect(hosts.baseUrl("ghcr.io")).toBe("https://ghcr.io");
    expect(hosts.baseUrl("docker.io")).toBe("https://registry-1.docker.io");
    expect(new Hosts({ tls: { "127.0.0.1:5443": { ca: "x" } } }).baseUrl("127.0.0.1:5443")).toBe("https://127.0.0.1:5443");
  });
});
