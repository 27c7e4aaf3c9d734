import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Authenticator } from "./authenticator.js";
import { Hosts } from "./hosts.js";
import { retryPolicy } from "./retry.js";
import { Transport } from "./transport.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A registry that challenges with `challenge`, then answers every authenticated request with `reply(authorization)`. */
async function echoing(challenge: string, reply: (authorization: string) => { status: number; body: string }): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    const authorization = req.headers.authorization;
    if (!authorization) return void res.writeHead(401, { "www-authenticate": challenge }).end();
    const { status, body } = reply(authorization);
    res.writeHead(status, { "content-type": "application/json" }).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(registry: string, credentials: { username: string; password: string } | { kind: "registry-token"; token: string }): Promise<Error> {
  const hosts = new Hosts();
  const transport = new Transport(hosts, new Authenticator(hosts, { credentials: { [registry]: credentials }, env: {} }), retryPolicy({ attempts: 1 }));
  try {
    const error = await transport.request({ registry, scopes: [], method: "POST", target: "/v2/app/blobs/uploads/", expect: [202], action: "starting an upload" }).then(
      () => new Error("expected a failure"),
      (e: unknown) => e as Error,
    );
    return error;
  } finally {
    await hosts.close();
  }
}

describe("Transport: errors never repeat the credentials a registry echoes", () => {
  const password = 'pa"ss/<word>-s3cr3t-42';

  it("removes the Basic header, the user:password and the password from messages and details", async () => {
    const registry = await echoing('Basic realm="r"', (authorization) => {
      const encoded = authorization.slice("Basic ".length);
      const decoded = Buffer.from(encoded, "base64").toString("utf8");
      return {
        status: 403,
        body: JSON.stringify({
          errors: [{ code: "DENIED", message: `denied for ${decoded}`, detail: { Authorization: authorization, nested: [{ password: decoded.split(":")[1] }] } }],
        }),
      };
    });
    const error = await failure(registry, { username: "alice", password });
    expect(error.message).toMatch(/answered 403 \(DENIED: denied for \[REDACTED\]/);
    expect(error.message).not.toContain("s3cr3t");
    expect(error.message).not.toContain(Buffer.from(`alice:${password}`).toString("base64"));
    expect(JSON.stringify((error as unknown as { errors: unknown }).errors)).not.toContain("s3cr3t");
  });

  it("removes a bearer token, also from a body that is not JSON and gets cut short", async () => {
    const token = `tok-${"x".repeat(150)}-s3cr3t-${"y".repeat(100)}`;
    // A registry token is sent as is: the realm is never asked.
    const registry = await echoing('Bearer realm="http://127.0.0.1:9/token",service="s"', () => ({ status: 403, body: `proxy says: token ${token} is not allowed here` }));
    const error = await failure(registry, { kind: "registry-token", token });
    expect(error.message).toContain("proxy says: token [REDACTED] is not allowed here");
    expect(error.message).not.toContain("xxxxxxxxxx");
  });

  it("keeps digests and everything else a registry says", async () => {
    const digest = `sha256:${"ab12".repeat(16)}`;
    const registry = await echoing('Basic realm="r"', () => ({ status: 404, body: JSON.stringify({ errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry", detail: { digest } }] }) }));
    const error = await failure(registry, { username: "alice", password });
    expect(error.message).toContain(`BLOB_UNKNOWN: blob unknown to registry: {"digest":"${digest}"}`);
  });
});
