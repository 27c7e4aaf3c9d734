import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import { httpRequest } from "./http-request.js";
import { tempDir, type TempDir } from "./temp-dir.js";
import { startVerdaccio, type TestVerdaccio } from "./verdaccio.js";

const run = promisify(execFile);

/** `npm publish` of a one-file package from `dir`, with only `npmrc` as npm's configuration. */
async function npmPublish(dir: string, npmrc: string, home: string): Promise<{ code: number; stderr: string }> {
  try {
    await run("npm", ["publish", "--userconfig", npmrc], { cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home }, timeout: 60_000 });
    return { code: 0, stderr: "" };
  } catch (error) {
    const e = error as { code?: unknown; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stderr: e.stderr ?? "" };
  }
}

// One registry for the file: it starts in 1-5 s.
describe("startVerdaccio", () => {
  let registry: TestVerdaccio;
  let work: TempDir;
  beforeAll(async () => {
    [registry, work] = await Promise.all([startVerdaccio(), tempDir("exp-verdaccio-test-")]);
  });
  afterAll(async () => {
    await registry?.stop();
    await work?.cleanup();
  });

  it("listens on loopback, answers /-/ping, and proxies nothing (no uplinks)", async () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(registry.url).toBe(`http://${registry.host}/`);
    expect((await httpRequest(`${registry.url}-/ping`)).status).toBe(200);
    // A package every public registry has: a private registry without uplinks does not know it.
    expect((await httpRequest(`${registry.url}left-pad`)).status).toBe(404);
    expect(registry.authLine).toBe(`//${registry.host}/:_authToken=${registry.token}`);
    expect(existsSync(registry.storageDir)).toBe(true);
  });

  it("publishes with the token, refuses without it, and serves what was published to anyone", async () => {
    const pkg = join(work.path, "pkg");
    await mkdir(pkg);
    await writeFile(join(pkg, "package.json"), JSON.stringify({ name: "@exp-test/hello", version: "1.0.0", main: "index.js", license: "Apache-2.0" }));
    await writeFile(join(pkg, "index.js"), "module.exports = 'hello';\n");
    const anonymous = join(work.path, "anonymous.npmrc");
    await writeFile(anonymous, `registry=${registry.url}\n`);
    const refused = await npmPublish(pkg, anonymous, work.path);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/E401|ENEEDAUTH|401/);

    const authed = join(work.path, "authed.npmrc");
    await writeFile(authed, `registry=${registry.url}\n${registry.authLine}\n`);
    expect(await npmPublish(pkg, authed, work.path)).toEqual({ code: 0, stderr: "" });
    const packument = await httpRequest(`${registry.url}@exp-test%2fhello`);
    expect(packument.status).toBe(200);
    expect(JSON.parse(packument.body.toString("utf8"))["dist-tags"]).toEqual({ latest: "1.0.0" });
  });

  it("lets nobody else sign up", async () => {
    const res = await httpRequest(`${registry.url}-/user/org.couchdb.user:mallory`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "mallory", password: "mallory-pass" }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it("stop() ends the registry and removes its storage, and may be called twice", async () => {
    const other = await startVerdaccio({ username: "other" });
    expect(other.username).toBe("other");
    await other.stop();
    await other.stop();
    expect(existsSync(other.storageDir)).toBe(false);
    await expect(httpRequest(`${other.url}-/ping`, { timeoutMs: 1000 })).rejects.toThrow();
  });

  it("an aborted signal starts nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(startVerdaccio({ signal: controller.signal })).rejects.toBeInstanceOf(AbortedError);
  });
});
