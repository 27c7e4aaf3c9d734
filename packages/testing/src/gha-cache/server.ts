/**
 * A test server for GitHub Actions' cache service v2: the Twirp JSON API
 * `github.actions.results.api.v1.CacheService` that ACTIONS_RESULTS_URL points at, with entry
 * bodies in a real Azurite reached through blob SAS URLs.
 *
 * Written from the protocol as its two main clients speak it:
 * - GitHub's own, actions/toolkit `packages/cache`: src/internal/shared/cacheTwirpClient.ts (POST
 *   `/twirp/<service>/<method>`, Bearer ACTIONS_RUNTIME_TOKEN, JSON with proto field names; 429 and
 *   5xx retried, other errors' `msg` reported), src/generated/results/api/v1/cache.ts and the
 *   cache.proto messages it is generated from (CreateCacheEntry, FinalizeCacheEntryUpload with an
 *   int64 `size_bytes`, GetCacheEntryDownloadURL with `restore_keys` and `matched_key`), and
 *   actions/cache's validateKey;
 * - BuildKit's, moby/buildkit vendor/github.com/tonistiigi/go-actions-cache: cache_v2.go
 *   (reserveV2, commitV2 with a numeric size_bytes, loadV2 sending the key first among its
 *   restore_keys, `ok: false` read as a miss) and cache.go (the token's `ac` claim as a JSON string
 *   of Scope/Permission, exp and nbf; Retry-After honoured on 429).
 * What GitHub does that neither client shows (which scope an entry goes to, how lookups search
 * scopes, duplicate keys) follows GitHub's documented cache rules: an entry is written to the run's
 * own ref, is immutable, and is found in the ref first and its base branch after.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { throwIfAborted } from "@exp/errors";
import { raceAbort, stopOnce } from "../abort.js";
import { openBlobStore } from "./blob-store.js";
import { EntryStore } from "./entry-store.js";
import { cacheHandlers } from "./handlers.js";
import { signRuntimeToken, verifyRuntimeToken } from "./runtime-token.js";
import { Throttle } from "./throttle.js";
import { ROUTE_PREFIX, TwirpError, isCacheRpc, sendJson, sendTwirpError } from "./twirp.js";
import type { GhaCacheRequest, StartGhaCacheOptions, TestGhaCache } from "./types.js";

/** Request messages are a few hundred bytes; anything much larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Starts the cache service on 127.0.0.1 at a free port, in this process. Creates `container` in
 * the given Azurite (which stays the caller's to stop).
 */
export async function startGhaCache(options: StartGhaCacheOptions): Promise<TestGhaCache> {
  const { azurite, signal } = options;
  throwIfAborted(signal, "startGhaCache");
  const sasTtlSeconds = options.sasTtlSeconds ?? 600;
  if (!Number.isInteger(sasTtlSeconds) || sasTtlSeconds <= 0) throw new Error(`startGhaCache: sasTtlSeconds must be a positive integer, got ${sasTtlSeconds}`);
  const blobs = await raceAbort(openBlobStore(azurite, options.container ?? "gha-cache", sasTtlSeconds, options.blobEndpoint), signal, "startGhaCache");

  const secret = randomBytes(32);
  const store = new EntryStore();
  const handlers = cacheHandlers(store, blobs);
  const throttle = new Throttle();
  const requests: GhaCacheRequest[] = [];

  /** The answer to one request: a response message, or the Twirp error it fails with. */
  const respond = async (req: IncomingMessage, rpc: string, body: Body): Promise<Record<string, unknown> | TwirpError> => {
    try {
      const url = new URL(req.url ?? "/", "http://gha-cache");
      // Twirp's routing errors, in its order: path, then method, then content type.
      if (!url.pathname.startsWith(ROUTE_PREFIX) || !isCacheRpc(rpc)) throw new TwirpError("bad_route", `no such RPC: ${req.method} ${url.pathname}`);
      if (req.method !== "POST") throw new TwirpError("bad_route", `unsupported method ${req.method} (only POST is allowed)`);
      const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      if (contentType !== "application/json") throw new TwirpError("bad_route", `unexpected Content-Type ${JSON.stringify(req.headers["content-type"] ?? "")} (this server speaks Twirp's JSON only)`);
      const retryAfter = throttle.take(rpc);
      if (retryAfter !== undefined) throw new TwirpError("resource_exhausted", "rate limited (throttle())", { "retry-after": String(retryAfter) });
      if (body.tooLarge) throw new TwirpError("malformed", `the request body is larger than ${MAX_BODY_BYTES} bytes`);
      if (!body.json) throw new TwirpError("malformed", "the request body is not JSON");
      const scopes = verifyRuntimeToken(secret, req.headers.authorization);
      return await handlers[rpc](scopes, body.value);
    } catch (error) {
      // A TwirpError is an answer; anything else is this server failing (Azurite gone): internal.
      return error instanceof TwirpError ? error : new TwirpError("internal", `gha-cache test server: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const rpc = path.startsWith(ROUTE_PREFIX) ? path.slice(ROUTE_PREFIX.length) : path;
    void readBody(req).then(async (body) => {
      const answer = await respond(req, rpc, body);
      // Logged before the answer leaves, so a client that got it finds it in `requests`. Only the
      // body is kept: the Authorization header (the runtime token) never is.
      requests.push({ rpc, status: answer instanceof TwirpError ? answer.status : 200, body: body.value });
      if (res.destroyed) return; // the client went away
      if (answer instanceof TwirpError) sendTwirpError(res, answer);
      else sendJson(res, 200, answer);
    }).catch(() => res.destroy()); // a response that could not be written: drop the connection
  });
  server.on("clientError", (_error: Error, socket: Socket) => socket.destroy());
  const listening = new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  try {
    await raceAbort(listening, signal, "startGhaCache");
  } catch (error) {
    server.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  const stop = stopOnce(signal, [
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  ]);

  return {
    url: `http://127.0.0.1:${port}/`,
    token: (scopes, tokenOptions) => signRuntimeToken(secret, scopes, tokenOptions?.expiresInSeconds),
    entries: () => store.list(),
    requests,
    throttle: (count, retryAfterSeconds, rpc) => throttle.add(count, retryAfterSeconds, rpc),
    stop,
  };
}

interface Body {
  /** Parsed JSON, or the text when it is not JSON, or undefined when empty or too large. */
  value: unknown;
  json: boolean;
  tooLarge: boolean;
}

/** The whole request body (bounded: past MAX_BODY_BYTES the rest is read and dropped). */
async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    }
  } catch {
    // The client went away mid-body: answer what arrived (nobody will read the answer).
  }
  if (size > MAX_BODY_BYTES) return { value: undefined, json: false, tooLarge: true };
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return { value: undefined, json: false, tooLarge: false };
  try {
    return { value: JSON.parse(text) as unknown, json: true, tooLarge: false };
  } catch {
    return { value: text, json: false, tooLarge: false };
  }
}
