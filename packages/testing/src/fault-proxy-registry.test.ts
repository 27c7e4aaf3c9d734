import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";
import { httpRequest } from "./http-request.js";
import { startRegistry, type TestRegistry } from "./registry.js";
import { rawRequest, uploadBlob } from "./test-support.js";
import { skipUnlessTools } from "./tools.js";

describe.skipIf(skipUnlessTools("docker-registry"))("fault proxy in front of a real registry", () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });
  afterEach(() => {
    proxy.setRules([]);
    proxy.reset();
  });

  it("uploads a blob through the proxy (POST, PUT ?digest=) and the client never leaves it", async () => {
    const data = Buffer.from("a small blob through the proxy");
    const { digest, uploadLocation, putStatus, location } = await uploadBlob(proxy.url, "t/proxied", data);
    expect(putStatus).toBe(201);
    // The registry answers with absolute URLs built from the Host it saw (the target's):
    // rewritten, they lead back to the proxy, so the PUT went through it too.
    expect(uploadLocation.startsWith(`${proxy.url}/v2/t/proxied/blobs/uploads/`)).toBe(true);
    expect(location).toBe(`${proxy.url}/v2/t/proxied/blobs/${digest}`);
    const head = await httpRequest(`${proxy.url}/v2/t/proxied/blobs/${digest}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(data.length));
    expect(proxy.stats.log.map((e) => [e.method, e.status])).toEqual([
      ["POST", 202],
      ["PUT", 201],
      ["HEAD", 200],
    ]);
    expect(proxy.stats.requestBytes).toBe(data.length);
    // And the blob really is in the registry behind it.
    expect((await httpRequest(`${registry.url}/v2/t/proxied/blobs/${digest}`, { method: "HEAD" })).status).toBe(200);
  });

  it("a 503 on the first PUT leaves the upload session open for a retry", async () => {
    proxy.setRules([{ match: { method: "PUT" }, nth: [1], fault: { type: "status", status: 503, retryAfter: 1 } }]);
    const data = Buffer.from("retried blob");
    const first = await uploadBlob(proxy.url, "t/retry", data);
    expect(first.putStatus).toBe(503);
    const put = new URL(first.uploadLocation);
    put.searchParams.set("digest", first.digest);
    const retry = await httpRequest(put, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: data });
    expect(retry.status).toBe(201);
    expect(proxy.stats.faults).toBe(1);
  });

  it("reset-response on a blob GET truncates it; the next GET is whole", async () => {
    const data = Buffer.alloc(64 * 1024, 9);
    const { digest } = await uploadBlob(proxy.url, "t/cut", data);
    proxy.setRules([{ match: { method: "GET", path: /\/blobs\/sha256:/ }, nth: [1], fault: { type: "reset-response", afterBytes: 4096 } }]);
    const cut = await rawRequest(`${proxy.url}/v2/t/cut/blobs/${digest}`);
    expect([cut.status, cut.body.length, cut.complete]).toEqual([200, 4096, false]);
    const whole = await rawRequest(`${proxy.url}/v2/t/cut/blobs/${digest}`);
    expect(whole.body.equals(data)).toBe(true);
  });
});

describe.skipIf(skipUnlessTools("docker-registry", "openssl"))("fault proxy in front of a TLS registry", () => {
  it("forwards to an https target when given its CA (as PEM or as a path)", async () => {
    const registry = await startRegistry({ tls: true });
    try {
      for (const ca of [registry.caCert!, registry.caCertPath!]) {
        const proxy = await startFaultProxy({ target: registry.url, ca });
        try {
          const { putStatus, location } = await uploadBlob(proxy.url, "t/tls", Buffer.from(`via ${ca.length}`));
          expect(putStatus).toBe(201);
          expect(location?.startsWith(proxy.url)).toBe(true);
        } finally {
          await proxy.stop();
        }
      }
      const untrusting = await startFaultProxy({ target: registry.url });
      try {
        expect((await rawRequest(`${untrusting.url}/v2/`)).status).toBe(502);
      } finally {
        await untrusting.stop();
      }
    } finally {
      await registry.stop();
    }
  });
});
