import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { startS3, type TestS3 } from "./s3.js";
import { SWIFT_TOOLS, skipUnlessTools } from "./tools.js";

const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when something can listen on the port again: the server really let go of it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** Swift or memcached processes that are children of this test process. */
function ourServerChildren(): string[] {
  let out: string;
  try {
    out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
  } catch {
    out = ""; // ps exits 1 when it lists nothing
  }
  return out
    .split("\n")
    .filter((line) => /swift-|memcached/.test(line));
}

// One server for the whole describe: starting one takes a few seconds.
describe.skipIf(skipUnlessTools(...SWIFT_TOOLS))("startS3", () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startS3({ bucket: "exp-test", logLevel: "INFO" });
  });
  afterAll(() => s3?.stop());

  it("exposes a loopback endpoint and the tempauth credentials", async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s3.endpoint).toBe(`http://127.0.0.1:${s3.ports.proxy}`);
    expect([s3.region, s3.accessKeyId, s3.secretAccessKey, s3.bucket]).toEqual(["us-east-1", "test:tester", "testing", "exp-test"]);
    // Free ports, not the recipe's fixed ones: several test files may each run a server.
    expect(new Set(Object.values(s3.ports)).size).toBe(5);
    expect(s3.processes.map((p) => p.name)).toEqual(["memcached", "object", "container", "account", "proxy"]);
    for (const { pid } of s3.processes) expect(isRunning(pid)).toBe(true);
  });

  it("created the bucket", async () => {
    expect((await s3.request("HEAD", "/exp-test")).status).toBe(200);
    const list = await s3.request("GET", "/");
    expect(list.status).toBe(200);
    expect(list.body.toString()).toContain("<Name>exp-test</Name>");
    expect((await s3.request("HEAD", "/no-such-bucket")).status).toBe(404);
  });

  it("PUT, GET and HEAD an object with metadata", async () => {
    const body = "hello, object";
    const put = await s3.request("PUT", "/exp-test/dir/hello.txt", {
      body,
      headers: { "content-type": "text/plain", "x-amz-meta-color": "blue" },
    });
    expect(put.status).toBe(200);
    expect(put.headers.etag).toBe(`"${md5(body)}"`);

    const get = await s3.request("GET", "/exp-test/dir/hello.txt");
    expect(get.status).toBe(200);
    expect(get.body.toString()).toBe(body);
    expect(get.headers["content-type"]).toBe("text/plain");
    expect(get.headers["x-amz-meta-color"]).toBe("blue");

    const head = await s3.request("HEAD", "/exp-test/dir/hello.txt");
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers["content-length"]).toBe(String(body.length));
    expect(head.headers.etag).toBe(`"${md5(body)}"`);

    const range = await s3.request("GET", "/exp-test/dir/hello.txt", { headers: { range: "bytes=0-4" } });
    expect(range.status).toBe(206);
    expect(range.body.toString()).toBe("hello");
  });

  it("round-trips binary bodies and keys that need encoding", async () => {
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
    const key = "odd keys/a b+c=d&e?f/é~(1)*.bin";
    expect((await s3.request("PUT", `/exp-test/${key}`, { body: data })).status).toBe(200);
    const get = await s3.request("GET", `/exp-test/${key}`);
    expect(get.status).toBe(200);
    expect(get.body.equals(data)).toBe(true);
    const list = await s3.request("GET", "/exp-test", { query: { "list-type": "2", prefix: "odd keys/" } });
    expect(list.status).toBe(200);
    expect(list.body.toString()).toContain(`<Key>${key.replace(/&/g, "&amp;")}</Key>`);
    expect(list.body.toString()).toContain("<KeyCount>1</KeyCount>");
  });

  it("answers 404 NoSuchKey for a missing key", async () => {
    const res = await s3.request("GET", "/exp-test/missing");
    expect(res.status).toBe(404);
    expect(res.errorCode).toBe("NoSuchKey");
  });

  it("rejects a wrong secret with 403 SignatureDoesNotMatch, and unsigned requests", async () => {
    await s3.request("PUT", "/exp-test/secret.txt", { body: "x" });
    const wrong = await s3.request("GET", "/exp-test/secret.txt", { secretAccessKey: "not-the-secret" });
    expect(wrong.status).toBe(403);
    expect(wrong.errorCode).toBe("SignatureDoesNotMatch");
    const wrongPut = await s3.request("PUT", "/exp-test/secret.txt", { body: "y", secretAccessKey: "not-the-secret" });
    expect(wrongPut.status).toBe(403);
    const wrongKey = await s3.request("GET", "/exp-test/secret.txt", { accessKeyId: "test:nobody" });
    expect(wrongKey.status).toBe(403);
    expect(wrongKey.errorCode).toBe("SignatureDoesNotMatch"); // AWS would say InvalidAccessKeyId
    const unsigned = await s3.request("GET", "/exp-test/secret.txt", { unsigned: true });
    expect(unsigned.status).toBe(400); // handled as a Swift API request, not S3's 403
    expect((await s3.request("GET", "/exp-test/secret.txt")).body.toString()).toBe("x");
  });

  it("checks the signed payload hash and the request time", async () => {
    const tampered = await s3.request("PUT", "/exp-test/tampered.txt", { body: "real body", payloadHash: createHash("sha256").update("other").digest("hex") });
    expect(tampered.status).toBe(400);
    expect(tampered.errorCode).toBe("BadDigest");
    expect((await s3.request("HEAD", "/exp-test/tampered.txt")).status).toBe(404);
    const unsignedPayload = await s3.request("PUT", "/exp-test/unsigned-payload.txt", { body: "ok", payloadHash: "UNSIGNED-PAYLOAD" });
    expect(unsignedPayload.status).toBe(200);
    const stale = await s3.request("GET", "/exp-test/unsigned-payload.txt", { date: new Date(Date.now() - 60 * 60 * 1000) });
    expect(stale.status).toBe(403);
    expect(stale.errorCode).toBe("RequestTimeTooSkewed");
  });

  it("self-copies with x-amz-metadata-directive: REPLACE (a touch), and refuses it without", async () => {
    const key = "/exp-test/touch.txt";
    await s3.request("PUT", key, { body: "same bytes", headers: { "x-amz-meta-gen": "1" } });
    const before = await s3.request("HEAD", key);
    await sleep(1100); // Last-Modified has a resolution of one second

    const noDirective = await s3.request("PUT", key, { headers: { "x-amz-copy-source": "/exp-test/touch.txt" } });
    expect(noDirective.status).toBe(400);
    expect(noDirective.errorCode).toBe("InvalidRequest");

    const copy = await s3.request("PUT", key, {
      headers: { "x-amz-copy-source": "/exp-test/touch.txt", "x-amz-metadata-directive": "REPLACE", "x-amz-meta-gen": "2" },
    });
    expect(copy.status).toBe(200);
    expect(copy.body.toString()).toContain("<CopyObjectResult");

    const after = await s3.request("HEAD", key);
    expect(after.headers["x-amz-meta-gen"]).toBe("2");
    expect(Date.parse(String(after.headers["last-modified"]))).toBeGreaterThan(Date.parse(String(before.headers["last-modified"])));
    expect((await s3.request("GET", key)).body.toString()).toBe("same bytes");
  });

  it("keeps the data under dataDir and Swift's logs under logDir", async () => {
    expect(existsSync(join(s3.dataDir, "d1", "objects"))).toBe(true);
    // logLevel INFO: the proxy logs one access line per request, through our syslog listener.
    await s3.request("HEAD", "/exp-test/dir/hello.txt");
    await sleep(100);
    const log = await readFile(join(s3.logDir, "swift.log"), "utf8");
    expect(log).toMatch(/proxy-server: .*HEAD \/exp-test\/dir\/hello\.txt/);
  });
});

describe.skipIf(skipUnlessTools(...SWIFT_TOOLS))("startS3 lifecycle", () => {
  it("runs two servers side by side; stop() kills every process, frees every port, removes the temp dir", async () => {
    const [a, b] = await Promise.all([startS3({ bucket: "left" }), startS3()]);
    try {
      expect(b.bucket).toBeUndefined();
      expect(new Set([...Object.values(a.ports), ...Object.values(b.ports)]).size).toBe(10);
      await b.request("PUT", "/right");
      await a.request("PUT", "/left/k", { body: "a" });
      await b.request("PUT", "/right/k", { body: "b" });
      expect((await a.request("GET", "/left/k")).body.toString()).toBe("a");
      expect((await b.request("GET", "/right/k")).body.toString()).toBe("b");
      expect((await a.request("HEAD", "/right")).status).toBe(404);

      const ports = Object.values(a.ports);
      const pids = a.processes.map((p) => p.pid);
      expect(pids).toHaveLength(5);
      for (const port of ports) expect(await portIsFree(port)).toBe(false);
      await a.stop();
      await a.stop();
      for (const pid of pids) expect(isRunning(pid)).toBe(false);
      for (const port of ports) expect(await portIsFree(port)).toBe(true);
      expect(existsSync(a.dataDir)).toBe(false);
      expect(existsSync(a.logDir)).toBe(false);
      const after = await a.request("GET", "/").catch((e: unknown) => e);
      expect((after as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
      // The other one is untouched.
      expect((await b.request("GET", "/right/k")).body.toString()).toBe("b");
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (const { pid } of b.processes) expect(isRunning(pid)).toBe(false);
  });

  it("aborting the signal after start stops the server", async () => {
    const controller = new AbortController();
    const s3 = await startS3({ signal: controller.signal });
    controller.abort();
    await s3.stop(); // joins the stop the abort started
    for (const { pid } of s3.processes) expect(isRunning(pid)).toBe(false);
    expect(await portIsFree(s3.ports.proxy)).toBe(true);
  });

  it("rejects an already aborted signal with AbortedError", async () => {
    const error = await startS3({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_ABORTED")).toBe(true);
  });

  it("fails with a typed error, not a hang, when not ready in time, and leaves no process behind", async () => {
    const error = await startS3({ readyTimeoutMs: 0 }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_S3_START")).toBe(true);
    expect(ourServerChildren()).toEqual([]);
  });
});

describe("startS3 options", () => {
  it("rejects an invalid bucket name and log level before starting anything", async () => {
    for (const bucket of ["ab", "Upper", "-lead", "a..b", "x".repeat(64)]) {
      const error = await startS3({ bucket }).catch((e: unknown) => e);
      expect(isExpError(error, "ERR_INVALID_OPTION")).toBe(true);
    }
    const error = await startS3({ logLevel: "LOUD" as never }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_INVALID_OPTION")).toBe(true);
  });

  it("rejects a secret key the proxy config cannot hold, without repeating it", async () => {
    for (const secretAccessKey of ["", "has space-SECRETVALUE", "per%cent-SECRETVALUE", ".dot-SECRETVALUE"]) {
      const error = await startS3({ secretAccessKey }).catch((e: unknown) => e);
      expect(isExpError(error, "ERR_INVALID_OPTION")).toBe(true);
      expect(String((error as Error).message)).not.toContain("SECRETVALUE");
    }
  });
});
