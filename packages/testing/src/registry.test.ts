import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { httpRequest } from "./http-request.js";
import { startRegistry, type TestRegistry } from "./registry.js";
import { pushTinyImage, rawRequest, sha256, uploadBlob } from "./test-support.js";
import { skipUnlessTools } from "./tools.js";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const run = promisify(execFile);

/** True when something can listen on the port again: the registry really let go of it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe.skipIf(skipUnlessTools("docker-registry"))("startRegistry (no auth)", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  it("answers GET /v2/ with 200 on 127.0.0.1", async () => {
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(registry.url).toBe(`http://${registry.host}`);
    expect(registry.scheme).toBe("http");
    const res = await httpRequest(`${registry.url}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers["docker-distribution-api-version"]).toBe("registry/2.0");
    expect(registry.username).toBeUndefined();
  });

  it("stores blobs under dataDir and allows deletes", async () => {
    const data = Buffer.from("hello blob");
    const { digest, putStatus } = await uploadBlob(registry.url, "t/a", data);
    expect(putStatus).toBe(201);
    expect(existsSync(join(registry.dataDir, "docker/registry/v2/blobs/sha256", digest.slice(7, 9), digest.slice(7), "data"))).toBe(true);
    expect((await httpRequest(`${registry.url}/v2/t/a/blobs/${digest}`, { method: "HEAD" })).status).toBe(200);
    expect((await httpRequest(`${registry.url}/v2/t/a/blobs/${digest}`, { method: "DELETE" })).status).toBe(202);
    expect((await httpRequest(`${registry.url}/v2/t/a/blobs/${digest}`, { method: "HEAD" })).status).toBe(404);
  });

  it("logs at level warn to logPath", async () => {
    expect(existsSync(registry.logPath)).toBe(true);
    // level warn: no per-request access log lines even after the requests above
    expect(await readFile(registry.logPath, "utf8")).not.toMatch(/level=info/);
  });
});

describe.skipIf(skipUnlessTools("docker-registry"))("startRegistry lifecycle", () => {
  it("stop() frees the port, removes its files, and can be called twice", async () => {
    const registry = await startRegistry();
    const port = Number(registry.host.split(":")[1]);
    expect(await portIsFree(port)).toBe(false);
    await registry.stop();
    await registry.stop();
    expect(await portIsFree(port)).toBe(true);
    const after = await rawRequest(`${registry.url}/v2/`);
    expect(after.error?.code).toBe("ECONNREFUSED");
    expect(existsSync(registry.dataDir)).toBe(false);
  });

  it("rejects an already aborted signal with AbortedError", async () => {
    const error = await startRegistry({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_ABORTED")).toBe(true);
  });

  it("aborting the signal after start stops the registry", async () => {
    const controller = new AbortController();
    const registry = await startRegistry({ signal: controller.signal });
    const port = Number(registry.host.split(":")[1]);
    controller.abort();
    await registry.stop(); // joins the stop the abort started
    expect(await portIsFree(port)).toBe(true);
  });

  it("fails with a typed error, not a hang, when the registry is not ready in time", async () => {
    const error = await startRegistry({ readyTimeoutMs: 0 }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_REGISTRY_START")).toBe(true);
  });

  it("rejects an unknown auth mode", async () => {
    const error = await startRegistry({ auth: "oauth" as never }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_INVALID_OPTION")).toBe(true);
  });
});

describe.skipIf(skipUnlessTools("docker-registry", "htpasswd"))("startRegistry (basic auth)", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: "basic" });
  });
  afterAll(() => registry?.stop());

  it("answers 401 with a Basic challenge without credentials", async () => {
    const res = await httpRequest(`${registry.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Basic realm=/);
  });

  it("answers 200 with the default credentials and 401 with a wrong password", async () => {
    expect([registry.username, registry.password]).toEqual(["testuser", "testpass"]);
    expect((await httpRequest(`${registry.url}/v2/`, { headers: { authorization: basic("testuser", "testpass") } })).status).toBe(200);
    expect((await httpRequest(`${registry.url}/v2/`, { headers: { authorization: basic("testuser", "wrong") } })).status).toBe(401);
  });

  it("uses the credentials it was given", async () => {
    const custom = await startRegistry({ auth: "basic", username: "alice", password: "s3cret" });
    try {
      expect((await httpRequest(`${custom.url}/v2/`, { headers: { authorization: basic("alice", "s3cret") } })).status).toBe(200);
      expect((await httpRequest(`${custom.url}/v2/`, { headers: { authorization: basic("testuser", "testpass") } })).status).toBe(401);
    } finally {
      await custom.stop();
    }
  });
});

describe.skipIf(skipUnlessTools("docker-registry", "openssl"))("startRegistry (token auth)", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: "token" });
  });
  afterAll(() => registry?.stop());

  const tokenFor = async (...scopes: string[]) => {
    const realm = new URL(registry.tokenRealm!);
    realm.searchParams.set("service", registry.tokenService!);
    for (const scope of scopes) realm.searchParams.append("scope", scope);
    const res = await httpRequest(realm, { headers: { authorization: basic(registry.username!, registry.password!) } });
    expect(res.status).toBe(200);
    return (JSON.parse(res.body.toString()) as { token: string }).token;
  };

  it("challenges with Bearer realm pointing at the issuer", async () => {
    const res = await httpRequest(`${registry.url}/v2/`);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe(`Bearer realm="${registry.tokenRealm}",service="${registry.tokenService}"`);
    const repo = await httpRequest(`${registry.url}/v2/t/a/blobs/${sha256("x")}`, { method: "HEAD" });
    expect(repo.headers["www-authenticate"]).toContain('scope="repository:t/a:pull"');
  });

  it("accepts a token from the issuer for the requested repository", async () => {
    const token = await tokenFor("repository:t/a:pull,push");
    const auth = { authorization: `Bearer ${token}` };
    expect((await httpRequest(`${registry.url}/v2/`, { headers: auth })).status).toBe(200);
    const data = Buffer.from("token-protected blob");
    const { digest, putStatus } = await uploadBlob(registry.url, "t/a", data, { headers: auth });
    expect(putStatus).toBe(201);
    expect((await httpRequest(`${registry.url}/v2/t/a/blobs/${digest}`, { method: "HEAD", headers: auth })).status).toBe(200);
    expect(registry.tokenIssuer!.requests.at(-1)).toMatchObject({ method: "GET", scopes: ["repository:t/a:pull,push"], authorized: true });
  });

  it("rejects a token scoped to another repository", async () => {
    const token = await tokenFor("repository:t/b:pull,push");
    const res = await httpRequest(`${registry.url}/v2/t/a/blobs/${sha256("x")}`, { method: "HEAD", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    const ok = await httpRequest(`${registry.url}/v2/t/b/blobs/${sha256("x")}`, { method: "HEAD", headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(404); // authorized, the blob just is not there
  });

  it("rejects a token signed by another issuer's key", async () => {
    const token = await tokenFor("repository:t/a:pull");
    const [header, payload] = token.split(".");
    const forged = `${header}.${payload}.${Buffer.from("not a signature").toString("base64url")}`;
    const res = await httpRequest(`${registry.url}/v2/t/a/blobs/${sha256("x")}`, { method: "HEAD", headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
  });

  it.skipIf(skipUnlessTools("skopeo"))("works with skopeo's bearer-token flow", async () => {
    const token = await tokenFor("repository:t/img:pull,push");
    await pushTinyImage(registry.url, "t/img", "v1", { headers: { authorization: `Bearer ${token}` } });
    const before = registry.tokenIssuer!.requests.length;
    const { stdout } = await run("skopeo", ["list-tags", "--tls-verify=false", "--creds", "testuser:testpass", `docker://${registry.host}/t/img`]);
    expect(JSON.parse(stdout)).toMatchObject({ Tags: ["v1"] });
    expect(registry.tokenIssuer!.requests.slice(before)).toContainEqual(expect.objectContaining({ scopes: ["repository:t/img:pull"], authorized: true }));
  });
});

describe.skipIf(skipUnlessTools("docker-registry", "openssl"))("startRegistry (tls)", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
  });
  afterAll(() => registry?.stop());

  it("serves https that verifies with the CA and fails without it", async () => {
    expect(registry.url).toBe(`https://${registry.host}`);
    expect(registry.scheme).toBe("https");
    expect((await httpRequest(`${registry.url}/v2/`, { ca: registry.caCert! })).status).toBe(200);
    const untrusted = await rawRequest(`${registry.url}/v2/`);
    expect(untrusted.status).toBeUndefined();
    expect(untrusted.error?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it("is valid for localhost too, and certDir holds the CA as ca.crt", async () => {
    const viaName = await httpRequest(`https://localhost:${registry.host.split(":")[1]}/v2/`, { ca: registry.caCert! }).catch((e: NodeJS.ErrnoException) => e);
    // localhost may resolve to ::1 where nothing listens; what matters is that no certificate error occurs.
    if ("status" in viaName) expect(viaName.status).toBe(200);
    else expect(viaName.code).toBe("ECONNREFUSED");
    expect(await readFile(join(registry.certDir!, "ca.crt"), "utf8")).toBe(registry.caCert);
    expect(await readFile(registry.caCertPath!, "utf8")).toBe(registry.caCert);
  });

  it.skipIf(skipUnlessTools("skopeo"))("is trusted by skopeo through certDir", async () => {
    await pushTinyImage(registry.url, "t/img", "v1", { ca: registry.caCert! });
    const { stdout } = await run("skopeo", ["list-tags", "--cert-dir", registry.certDir!, `docker://${registry.host}/t/img`]);
    expect(JSON.parse(stdout)).toMatchObject({ Tags: ["v1"] });
    const bad = await run("skopeo", ["list-tags", `docker://${registry.host}/t/img`]).catch((e: { stderr: string }) => e);
    expect("stderr" in bad && bad.stderr).toMatch(/certificate|x509/i);
  });
});
