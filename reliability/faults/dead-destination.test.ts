import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWIFT_TOOLS, skipUnlessTools, startFaultProxy, startRegistry, startS3, type FaultProxy, type TestRegistry, type TestS3 } from "@exp/testing";
import { exp } from "./support/cli.js";
import { BIG_LAYER_BYTES, writeExportContext } from "./support/contexts.js";
import { writeDockerConfig } from "./support/docker-config.js";
import { startSilentServer } from "./support/silent-server.js";
import { skopeoInspectRaw } from "./support/skopeo.js";
import { rawEvents, s3CacheSpec } from "./support/specs.js";

// Issue 8, "Faults": a destination that always fails. The export fails within the retry budget with
// a typed error naming the destination and the registry's reason, its siblings are aborted, an
// `ignore-error` cache does not fail the build, and nothing hangs (every test has a hard timeout).

/**
 * The registry client's documented limits (packages/registry/src/transport/retry.ts and hosts.ts):
 * 7 tries per request with backoff from 200 ms doubling (jittered into [d/2, d]), within a 60 s
 * budget; a registry silent for 60 s after the request is a headers timeout.
 */
const REGISTRY_ATTEMPTS = 7;
const REGISTRY_MIN_BACKOFF_MS = 100 + 200 + 400 + 800 + 1_600 + 3_200;
const REGISTRY_BUDGET_MS = 60_000;
const REGISTRY_HEADERS_TIMEOUT_MS = 60_000;
/** S3 (packages/cache-s3/src/s3-client.ts): 7 tries, the SDK's backoff a random part of 50 ms doubling: at most 3.15 s of waiting. */
const S3_ATTEMPTS = 7;
const S3_MAX_BACKOFF_MS = 50 + 100 + 200 + 400 + 800 + 1_600;
const BUCKET = "dead";
const PASSWORD = "Fault-Pa55word-n0t-for-logs";
const ENV_BASE = { SOURCE_DATE_EPOCH: "1700000000" };
/** The answer of a registry that refuses uploads, in the distribution error envelope. */
const UNAVAILABLE = JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "blob uploads are disabled during maintenance" }] });
/** S3's own error document for a 500. */
const S3_INTERNAL_ERROR = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>`;

describe.skipIf(skipUnlessTools("docker-registry", "htpasswd", "skopeo", ...SWIFT_TOOLS))("a destination that always fails", () => {
  let s3: TestS3;
  let work: string;

  beforeAll(async () => {
    s3 = await startS3({ bucket: BUCKET });
    work = await mkdtemp(join(tmpdir(), "exp-faults-dead-"));
  }, 60_000);
  afterAll(async () => {
    await s3?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  // The three cases run at once: the silent registry spends a minute waiting, the others do not.
  it.concurrent(
    "a registry answering 503 to every upload: exit 1 naming the registry and its reason, the S3 cache sibling aborted, no password shown",
    async () => {
      const dir = join(work, "refused");
      const registry: TestRegistry = await startRegistry({ auth: "basic", password: PASSWORD });
      const registryProxy = await startFaultProxy({
        target: registry.url,
        rules: [{ match: { method: "POST", path: /\/blobs\/uploads\// }, every: true, fault: { type: "status", status: 503, body: UNAVAILABLE } }],
      });
      // A slow uplink to S3 (512 KiB/s, 34 s for the 17 MiB layer): still on its way when the registry gives up.
      const s3Proxy = await startFaultProxy({ target: s3.endpoint, preserveHost: true, link: { bytesPerSecond: 512 * 1024 } });
      try {
        await writeDockerConfig(dir, registryProxy.host, registry.username!, PASSWORD);
        const context = await writeExportContext(dir, 0, { big: true, groups: 1 });
        const result = await exp(
          [
            "build",
            context.dir,
            "-o",
            `type=registry,name=${registryProxy.host}/refused/app:v1`,
            "--cache-to",
            s3CacheSpec(s3, BUCKET, s3Proxy.url, { prefix: "refused/", mode: "max" }),
            "--root",
            join(dir, "store"),
            "--progress",
            "rawjson",
            // The error's code and causes too: more text that must not carry the password.
            "--debug",
          ],
          { env: { ...ENV_BASE, HOME: dir } },
        );
        // Bytes exp wrote before it exited can still be in the kernel's socket buffers: the proxy
        // reads them once the exchanges end, so the count is taken when none is open any more.
        for (let waited = 0; s3Proxy.stats.open > 0 && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        const s3Requests = s3Proxy.stats.requests;
        const s3Bytes = s3Proxy.stats.requestBytes;

        expect(result.code).toBe(1);
        const error = result.stderr.split("\n").find((line) => line.startsWith("ERROR: "));
        // The destination (registry and repository) and the registry's own reason.
        expect(error).toContain(`${registryProxy.host}/refused/app`);
        expect(error).toMatch(/answered 503 \(UNAVAILABLE: blob uploads are disabled during maintenance\)/);
        expect(error).toMatch(new RegExp(`failed after ${REGISTRY_ATTEMPTS} attempts`));
        expect(result.stderr).toContain("\ncode: ERR_REGISTRY_RETRIES_EXHAUSTED\n");
        expect(result.stderr).toMatch(/^caused by \(ERR_REGISTRY_SERVER\): /m);
        for (const secret of [PASSWORD, Buffer.from(`${registry.username}:${PASSWORD}`).toString("base64")]) {
          expect(result.stdout).not.toContain(secret);
          expect(result.stderr).not.toContain(secret);
        }

        // Retried, within the budget: the failing upload's tries took at least the backoffs between them.
        const events = rawEvents(result.stderr);
        const at = (id: string, status: string) => events.find((e) => e.type === "vertex" && e.id === id && e.status === status)?.at;
        const pushStarted = at("export-0", "started")!;
        const pushFailed = at("export-0", "error")!;
        expect(pushFailed - pushStarted).toBeGreaterThanOrEqual(REGISTRY_MIN_BACKOFF_MS);
        expect(pushFailed - pushStarted).toBeLessThan(REGISTRY_BUDGET_MS);
        const posts = registryProxy.stats.log.filter((e) => e.method === "POST");
        expect(posts.length).toBeGreaterThanOrEqual(REGISTRY_ATTEMPTS);
        expect(posts.every((e) => e.status === 503 && e.fault === "status")).toBe(true);

        // The S3 cache was cancelled, not left to finish: its vertex says so right after the push
        // failed, and its requests stopped there, part way through the upload.
        const cacheCanceled = at("cache-0", "canceled");
        expect(cacheCanceled).toBeDefined();
        expect(cacheCanceled! - pushFailed).toBeLessThan(1_000);
        expect(s3Bytes).toBeGreaterThan(0);
        expect(s3Bytes).toBeLessThan(BIG_LAYER_BYTES);
        expect(s3Proxy.stats.log.some((e) => e.method === "PUT" && e.path.includes("/manifests/"))).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(s3Proxy.stats.requests).toBe(s3Requests);
        expect(s3Proxy.stats.requestBytes).toBe(s3Bytes);
      } finally {
        await Promise.all([registryProxy.stop(), s3Proxy.stop()]);
        await registry.stop();
      }
    },
    90_000,
  );

  it.concurrent(
    "S3 answering 500 to everything with ignore-error=true: the build succeeds with a warning and the image is pushed",
    async () => {
      const dir = join(work, "ignored");
      const registry = await startRegistry();
      const s3Proxy = await startFaultProxy({
        target: s3.endpoint,
        preserveHost: true,
        rules: [{ every: true, fault: { type: "status", status: 500, body: S3_INTERNAL_ERROR, headers: { "content-type": "application/xml" } } }],
      });
      try {
        const context = await writeExportContext(dir, 1, { big: false, groups: 1 });
        const metadataFile = join(dir, "metadata.json");
        const image = `${registry.host}/ignored/app:v1`;
        const result = await exp(
          [
            "build",
            context.dir,
            "-o",
            `type=registry,name=${image}`,
            "--cache-to",
            s3CacheSpec(s3, BUCKET, s3Proxy.url, { prefix: "ignored/", mode: "max", "ignore-error": "true" }),
            "--root",
            join(dir, "store"),
            "--metadata-file",
            metadataFile,
            "--progress",
            "rawjson",
          ],
          { env: { ...ENV_BASE, HOME: dir } },
        );
        expect(result.stderr.split("\n").filter((l) => l.startsWith("ERROR"))).toEqual([]);
        expect(result.code).toBe(0);
        const events = rawEvents(result.stderr);
        const warnings = events.filter((e) => e.type === "warning").map((e) => e.message ?? "");
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(new RegExp(`exporting cache to s3 bucket ${BUCKET} failed and was ignored \\(ignore-error=true\\): .*\\(HTTP 500\\)`));

        // The image is in the registry, as exp reported it.
        const metadata = JSON.parse(await readFile(metadataFile, "utf8")) as Record<string, unknown>;
        expect((await skopeoInspectRaw(image, dir)).digest).toBe(metadata["containerimage.digest"]);

        // Every S3 request failed, each retried S3_ATTEMPTS times at most, within the SDK's backoff.
        expect(s3Proxy.stats.requests).toBeGreaterThanOrEqual(S3_ATTEMPTS);
        expect(s3Proxy.stats.log.every((e) => e.status === 500)).toBe(true);
        const tries = new Map<string, number>();
        for (const entry of s3Proxy.stats.log) tries.set(`${entry.method} ${entry.path}`, (tries.get(`${entry.method} ${entry.path}`) ?? 0) + 1);
        expect(Math.max(...tries.values())).toBe(S3_ATTEMPTS);
        const at = (status: string) => events.find((e) => e.type === "vertex" && e.id === "cache-0/send" && e.status === status)?.at;
        expect(at("error")! - at("started")!).toBeLessThan(S3_MAX_BACKOFF_MS + 5_000);
        // Nothing was written to the bucket.
        expect((await s3.request("HEAD", `/${BUCKET}/ignored/manifests/buildkit`)).status).toBe(404);
      } finally {
        await s3Proxy.stop();
        await registry.stop();
      }
    },
    60_000,
  );

  it.concurrent(
    "a registry that accepts the connection and never answers: exit 1 after the headers timeout, no hang",
    async () => {
      const dir = join(work, "silent");
      const silent = await startSilentServer();
      try {
        const context = await writeExportContext(dir, 2, { big: false, groups: 1 });
        const result = await exp(["build", context.dir, "-o", `type=registry,name=${silent.host}/silent/app:v1`, "--root", join(dir, "store"), "--progress", "plain", "--debug"], {
          env: { ...ENV_BASE, HOME: dir },
        });
        expect(result.code).toBe(1);
        const error = result.stderr.split("\n").find((line) => line.startsWith("ERROR: "));
        expect(error).toContain(`${silent.host}/silent/app`);
        expect(error).toMatch(/UND_ERR_HEADERS_TIMEOUT|Headers Timeout/);
        expect(result.stderr).toContain("\ncode: ERR_REGISTRY_RETRIES_EXHAUSTED\n");
        expect(result.stderr).toMatch(/^caused by \(ERR_REGISTRY_NETWORK\): /m);
        expect(silent.connections).toBeGreaterThan(0);
        // One try waits out the headers timeout; after it the 60 s budget is spent, so no second try.
        expect(result.elapsedMs).toBeGreaterThanOrEqual(REGISTRY_HEADERS_TIMEOUT_MS);
        expect(result.elapsedMs).toBeLessThan(REGISTRY_HEADERS_TIMEOUT_MS + 15_000);
      } finally {
        await silent.stop();
      }
    },
    REGISTRY_HEADERS_TIMEOUT_MS + 30_000,
  );
});
