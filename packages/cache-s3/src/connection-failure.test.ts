import diagnosticsChannel from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { describe, expect, it } from "vitest";
import { ProgressReporter } from "@exp/solver";
import { findFreePort } from "@exp/testing";
import { connectionFailureOf } from "./connection-failure.js";
import { S3CacheError } from "./s3-client.js";
import { cacheImporter } from "./s3-cache-importer.js";
import { retryStreamed } from "./upload/retry.js";

// Issue 19, point 6: the SDK counts a refused connection as transient and tried a dead endpoint 7
// times; a connection that cannot be made gets one retry at most, and the error says what happened.


/** Counts the HTTP requests started towards one host:port (the SDK's node handler makes one per try). */
function countRequests(host: string): { count: () => number; stop: () => void } {
  let count = 0;
  const listener = (message: unknown) => {
    if ((message as { request: ClientRequest }).request.getHeader("host") === host) count++;
  };
  diagnosticsChannel.subscribe("http.client.request.start", listener);
  return { count: () => count, stop: () => diagnosticsChannel.unsubscribe("http.client.request.start", listener) };
}

const attrs = (endpoint: string) => ({ bucket: "b", region: "us-east-1", endpoint_url: endpoint, use_path_style: "true", access_key_id: "k", secret_access_key: "s" });

async function importFrom(endpoint: string): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  const error = await cacheImporter
    .resolve(attrs(endpoint))
    .load({ store: undefined as never, progress: ProgressReporter.root(undefined), signal: new AbortController().signal })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  return { error, elapsedMs: Date.now() - started };
}

describe("an S3 endpoint that cannot be reached", () => {
  it("refused: tried twice, well under a second, and named as nothing listening", async () => {
    const port = await findFreePort();
    const requests = countRequests(`127.0.0.1:${port}`);
    try {
      const { error, elapsedMs } = await importFrom(`http://127.0.0.1:${port}`);
      expect(error).toBeInstanceOf(S3CacheError);
      expect((error as S3CacheError).code).toBe("ERR_S3_UNREACHABLE");
      expect((error as Error).message).toBe(`reading manifests/buildkit from b: nothing is listening on 127.0.0.1:${port} (ECONNREFUSED, 2 attempts); check endpoint_url, and that the S3 service is running`);
      expect(requests.count()).toBe(2);
      expect(elapsedMs).toBeLessThan(3_000);
    } finally {
      requests.stop();
    }
  });

  it("a host name that does not resolve: once when the name does not exist, twice when the resolver did not answer", async () => {
    const requests = countRequests("s3.invalid:9000");
    try {
      const { error } = await importFrom("http://s3.invalid:9000");
      expect((error as S3CacheError).code).toBe("ERR_S3_UNREACHABLE");
      expect((error as Error).message).toMatch(
        /^reading manifests\/buildkit from b: the host name s3\.invalid could not be resolved \((ENOTFOUND: no such host, 1 attempt\); check endpoint_url, region and bucket|EAI_AGAIN: the DNS resolver did not answer, 2 attempts\); check the network and the DNS settings)$/,
      );
      expect(requests.count()).toBe(connectionFailureOf(error)?.kind === "host-not-found" ? 1 : 2);
    } finally {
      requests.stop();
    }
  });
});

describe("retryStreamed", () => {
  const failing = (code: string) => {
    let tries = 0;
    const attempt = async () => {
      tries++;
      throw Object.assign(new Error(`connect ${code}`), { code, $metadata: { attempts: 1 } });
    };
    return { attempt, tries: () => tries };
  };
  const policy = { attempts: 7, baseDelayMs: 1, maxDelayMs: 2 };

  it.each([
    ["ECONNREFUSED", 2],
    ["EAI_AGAIN", 2],
    ["ENOTFOUND", 1],
    ["ECONNRESET", 7],
  ])("%s: %i tries, and the count is on the error for its message", async (code, expected) => {
    const { attempt, tries } = failing(code);
    const error = await retryStreamed(attempt, new AbortController().signal, policy).catch((e: unknown) => e);
    expect(tries()).toBe(expected);
    expect((error as { $metadata: { attempts: number } }).$metadata.attempts).toBe(expected);
  });
});
