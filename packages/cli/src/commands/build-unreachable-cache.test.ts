import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findFreePort } from "@exp/testing";
import { fixture, pluginType, run, type Fixture } from "../test-helpers.js";

// Issue 19, point 6: a --cache-from whose registry or S3 endpoint is down added about 9 s (the
// registry) or 3 s (S3) to every build while the client retried a refused connection 7 times.
// Nothing listening is now tried twice and reported as such, and the build goes on at once.

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());


interface RawEvent {
  type: string;
  id?: string;
  status?: string;
  at: number;
  message?: string;
  error?: string;
}

/** Builds with one --cache-from and returns the import vertex's time and the warnings. */
async function buildWithCacheFrom(spec: string): Promise<{ importMs: number; warnings: string[] }> {
  const result = await run(["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store, "--progress", "rawjson", "--cache-from", spec]);
  expect(result.code).toBe(0);
  const events = result.stderr
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as RawEvent);
  const at = (status: string) => events.find((e) => e.type === "vertex" && e.id === "import-0" && e.status === status)?.at;
  expect(at("started")).toBeDefined();
  expect(at("error")).toBeDefined();
  return { importMs: at("error")! - at("started")!, warnings: events.filter((e) => e.type === "warning").map((e) => e.message ?? "") };
}

describe("exp build --cache-from with nothing listening", () => {
  it("type=registry: two tries, a warning naming the host, the build goes on at once", async () => {
    const port = await findFreePort();
    const { importMs, warnings } = await buildWithCacheFrom(`type=registry,ref=127.0.0.1:${port}/x`);
    expect(warnings).toEqual([
      `--cache-from type=registry: fetching manifest 127.0.0.1:${port}/x:latest: nothing is listening on 127.0.0.1:${port} (ECONNREFUSED, 2 attempts); check the host and port, and that the registry is running; building without this cache`,
    ]);
    // About 0.2 s (one backoff of 100-200 ms); it was 9.8 s.
    expect(importMs).toBeLessThan(3_000);
  });

  it("type=s3: two tries, a warning naming the endpoint, the build goes on at once", async () => {
    const port = await findFreePort();
    const { importMs, warnings } = await buildWithCacheFrom(`type=s3,bucket=b,region=us-east-1,endpoint_url=http://127.0.0.1:${port},use_path_style=true,access_key_id=k,secret_access_key=s`);
    expect(warnings).toEqual([
      `--cache-from type=s3: reading manifests/buildkit from b: nothing is listening on 127.0.0.1:${port} (ECONNREFUSED, 2 attempts); check endpoint_url, and that the S3 service is running; building without this cache`,
    ]);
    expect(importMs).toBeLessThan(3_000);
  });
  it("type=azblob: two tries, a warning naming the address, the build goes on at once", async () => {
    const port = await findFreePort();
    const key = Buffer.from("unreachable-key").toString("base64");
    const { importMs, warnings } = await buildWithCacheFrom(`type=azblob,account_url=http://127.0.0.1:${port}/devstoreaccount1,secret_access_key=${key},container=cache`);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^--cache-from type=azblob: .*cannot connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); check account_url.*building without this cache$`))]);
    expect(warnings.join("")).not.toContain(key);
    expect(importMs).toBeLessThan(3_000);
  });

  it("type=gha: two tries, a warning naming the address, the build goes on at once", async () => {
    const port = await findFreePort();
    const now = Math.floor(Date.now() / 1000);
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const token = [part({ alg: "HS256" }), part({ ac: JSON.stringify([{ Scope: "refs/heads/main", Permission: 3 }]), nbf: now - 60, exp: now + 600 }), "c2lnbmF0dXJl"].join(".");
    const { importMs, warnings } = await buildWithCacheFrom(`type=gha,url_v2=http://127.0.0.1:${port}/,token=${token}`);
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^--cache-from type=gha: .*cannot connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); check url_v2.*building without this cache$`))]);
    expect(warnings.join("")).not.toContain(token);
    expect(importMs).toBeLessThan(3_000);
  });
});

describe("the cache backends read the command's environment", () => {
  // runCli's `env`, not process.env: a program that runs builds in process passes its own.
  it("--cache-to type=s3 takes AWS_BUCKET and AWS_REGION from it, and --cache-from too", async () => {
    const port = await findFreePort();
    const spec = `type=s3,endpoint_url=http://127.0.0.1:${port},use_path_style=true`;
    const flags = ["build", fx.context, "-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`, "--root", fx.store];
    const without = await run([...flags, "--cache-to", spec]);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain("set AWS_BUCKET");
    const env = { HOME: fx.dir, BUILDX_NO_DEFAULT_ATTESTATIONS: "1", AWS_BUCKET: "from-env", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s3cr3t-env-key" };
    const withEnv = await run([...flags, "--cache-to", spec, "--cache-from", spec], { env });
    // Past the options: the import warns and the export fails on the endpoint, naming the bucket from env.
    expect(withEnv.stderr).not.toContain("set AWS_BUCKET");
    expect(withEnv.stderr).toContain(`nothing is listening on 127.0.0.1:${port}`);
    expect(withEnv.stderr).toContain("from-env");
    expect(withEnv.stderr).not.toContain("s3cr3t-env-key");
  });
});
