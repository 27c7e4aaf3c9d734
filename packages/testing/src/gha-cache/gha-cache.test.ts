import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AnonymousCredential, BlockBlobClient } from "@azure/storage-blob";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AZURITE_INSTALL_HINT, azuriteAvailable, startAzurite, type TestAzurite } from "../azurite.js";
import { skipUnless } from "../prerequisites.js";
import { startGhaCache } from "./server.js";
import type { GhaCacheScope, TestGhaCache } from "./types.js";

const MAIN = "refs/heads/main";
const FEATURE = "refs/heads/feature";
const OTHER = "refs/heads/other";
const VERSION = "v1-0123456789abcdef";

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One RPC through plain fetch, as a client speaks it: POST, JSON, Bearer token. */
async function call(cache: TestGhaCache, method: string, body: unknown, token: string | undefined, init: { contentType?: string; httpMethod?: string; rawBody?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": init.contentType ?? "application/json" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(new URL(`twirp/github.actions.results.api.v1.CacheService/${method}`, cache.url), {
    method: init.httpMethod ?? "POST",
    headers,
    ...(init.httpMethod === "GET" ? {} : { body: init.rawBody ?? JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** A blob client on a signed URL, with no credential but the SAS, and one try (a refusal is final). */
const blobAt = (signedUrl: string) => new BlockBlobClient(signedUrl, new AnonymousCredential(), { retryOptions: { maxTries: 1 } });

const upload = (signedUrl: string, data: Buffer) => blobAt(signedUrl).upload(data, data.length);

/** Create, upload, finalize: a finalized entry of `key` in the token's write scope. */
async function save(cache: TestGhaCache, token: string, key: string, data: Buffer, version = VERSION): Promise<void> {
  const created = await call(cache, "CreateCacheEntry", { key, version }, token);
  expect(created.status).toBe(200);
  await upload(created.body.signed_upload_url as string, data);
  const finalized = await call(cache, "FinalizeCacheEntryUpload", { key, size_bytes: String(data.length), version }, token);
  expect(finalized.status).toBe(200);
}

async function lookup(cache: TestGhaCache, token: string, key: string, restoreKeys: string[] = [], version = VERSION): Promise<Answer> {
  return call(cache, "GetCacheEntryDownloadURL", { key, restore_keys: restoreKeys, version }, token);
}

const rw = (scope: string): GhaCacheScope => ({ scope, permission: 3 });
const ro = (scope: string): GhaCacheScope => ({ scope, permission: 1 });

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("startGhaCache", () => {
  let azurite: TestAzurite;
  let cache: TestGhaCache;
  beforeAll(async () => {
    azurite = await startAzurite(); // once per file: ~1-2 s
  });
  afterAll(async () => {
    await azurite?.stop();
  });
  // A fresh server per test (milliseconds): its entries, log and throttle rules are the test's own.
  beforeEach(async () => {
    cache = await startGhaCache({ azurite });
  });
  afterEach(async () => {
    await cache.stop();
  });

  it("create → upload → finalize → lookup gives back the same bytes through a read SAS URL, and logs every RPC without the token", async () => {
    expect(cache.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const token = cache.token([rw(MAIN)]);
    const data = Buffer.from("cache archive bytes ".repeat(1000));

    const created = await call(cache, "CreateCacheEntry", { key: "npm-linux-abc", version: VERSION }, token);
    expect(created.status).toBe(200);
    expect(created.body.ok).toBe(true);
    const uploadUrl = new URL(created.body.signed_upload_url as string);
    expect(`${uploadUrl.origin}/devstoreaccount1`).toBe(azurite.accountUrl);
    expect(uploadUrl.pathname).toMatch(/^\/devstoreaccount1\/gha-cache\/.+/);
    expect(uploadUrl.searchParams.get("sp")).toBe("cw");
    expect(uploadUrl.searchParams.get("spr")).toBe("https,http");
    // Valid for sasTtlSeconds (600 by default).
    const expiresIn = Date.parse(uploadUrl.searchParams.get("se")!) - Date.now();
    expect(expiresIn).toBeGreaterThan(590_000);
    expect(expiresIn).toBeLessThanOrEqual(600_000);

    await upload(created.body.signed_upload_url as string, data);
    // actions/toolkit sends the int64 as a string.
    const finalized = await call(cache, "FinalizeCacheEntryUpload", { key: "npm-linux-abc", size_bytes: String(data.length), version: VERSION }, token);
    expect(finalized).toMatchObject({ status: 200, body: { ok: true, entry_id: "1" } });

    const found = await lookup(cache, token, "npm-linux-abc");
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ ok: true, matched_key: "npm-linux-abc" });
    const downloadUrl = found.body.signed_download_url as string;
    expect(new URL(downloadUrl).searchParams.get("sp")).toBe("r");
    expect((await blobAt(downloadUrl).downloadToBuffer()).equals(data)).toBe(true);

    expect(cache.entries()).toEqual([
      { id: "1", scope: MAIN, key: "npm-linux-abc", version: VERSION, blobName: expect.any(String), sizeBytes: data.length, finalized: true, createdAt: expect.any(Number) },
    ]);
    expect(cache.requests).toEqual([
      { rpc: "CreateCacheEntry", status: 200, body: { key: "npm-linux-abc", version: VERSION } },
      { rpc: "FinalizeCacheEntryUpload", status: 200, body: { key: "npm-linux-abc", size_bytes: String(data.length), version: VERSION } },
      { rpc: "GetCacheEntryDownloadURL", status: 200, body: { key: "npm-linux-abc", restore_keys: [], version: VERSION } },
    ]);
    expect(JSON.stringify(cache.requests)).not.toContain(token.split(".")[2]);
  });

  it("accepts size_bytes as a JSON number (BuildKit's Go client) and camelCase field names, and ignores metadata", async () => {
    const token = cache.token([rw(MAIN)]);
    const data = Buffer.from("go client");
    const created = await call(cache, "CreateCacheEntry", { key: "buildkit-x", version: VERSION, metadata: { repository_id: "1", scope: [] } }, token);
    await upload(created.body.signed_upload_url as string, data);
    expect(await call(cache, "FinalizeCacheEntryUpload", { key: "buildkit-x", size_bytes: data.length, version: VERSION }, token)).toMatchObject({ status: 200, body: { ok: true } });
    expect((await call(cache, "GetCacheEntryDownloadURL", { key: "none", restoreKeys: ["buildkit-"], version: VERSION }, token)).body).toMatchObject({ ok: true, matched_key: "buildkit-x" });
  });

  it("without CreateCacheEntry there is no URL to upload to (the blob URL without its SAS refuses a write), and finalize before an upload fails", async () => {
    const token = cache.token([rw(MAIN)]);
    // Never created: nothing to finalize.
    expect(await call(cache, "FinalizeCacheEntryUpload", { key: "k", size_bytes: "3", version: VERSION }, token)).toMatchObject({ status: 404, body: { code: "not_found" } });

    const created = await call(cache, "CreateCacheEntry", { key: "k", version: VERSION }, token);
    const signed = new URL(created.body.signed_upload_url as string);
    const bare = `${signed.origin}${signed.pathname}`;
    await expect(upload(bare, Buffer.from("abc"))).rejects.toMatchObject({ statusCode: expect.any(Number) });

    const early = await call(cache, "FinalizeCacheEntryUpload", { key: "k", size_bytes: "3", version: VERSION }, token);
    expect(early.status).toBe(400);
    expect(early.body).toMatchObject({ code: "invalid_argument", msg: expect.stringContaining("nothing was uploaded") });
    expect(cache.entries()[0]).toMatchObject({ finalized: false });
  });

  it("finalize with the wrong size fails naming both sizes (the entry stays pending), with the right size succeeds, and a second finalize is 409", async () => {
    const token = cache.token([rw(MAIN)]);
    const data = Buffer.from("0123456789");
    const created = await call(cache, "CreateCacheEntry", { key: "sized", version: VERSION }, token);
    await upload(created.body.signed_upload_url as string, data);

    const wrong = await call(cache, "FinalizeCacheEntryUpload", { key: "sized", size_bytes: "11", version: VERSION }, token);
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe("invalid_argument");
    expect(wrong.body.msg).toMatch(/\b11\b.*\b10\b/);
    expect((await lookup(cache, token, "sized")).body.ok).toBe(false);

    expect((await call(cache, "FinalizeCacheEntryUpload", { key: "sized", size_bytes: "10", version: VERSION }, token)).status).toBe(200);
    expect(await call(cache, "FinalizeCacheEntryUpload", { key: "sized", size_bytes: "10", version: VERSION }, token)).toMatchObject({ status: 409, body: { code: "already_exists" } });
  });

  it("a key + version already created in the scope (pending or finalized) is 409; another version of the key is another entry", async () => {
    const token = cache.token([rw(MAIN)]);
    expect((await call(cache, "CreateCacheEntry", { key: "dup", version: VERSION }, token)).status).toBe(200);
    expect(await call(cache, "CreateCacheEntry", { key: "dup", version: VERSION }, token)).toMatchObject({ status: 409, body: { code: "already_exists" } });
    await save(cache, token, "dup2", Buffer.from("x"));
    expect(await call(cache, "CreateCacheEntry", { key: "dup2", version: VERSION }, token)).toMatchObject({ status: 409, body: { code: "already_exists" } });
    expect((await call(cache, "CreateCacheEntry", { key: "dup2", version: "v2" }, token)).status).toBe(200);
  });

  it("a lookup matches its version only: the same key under another version is a miss (200, ok false)", async () => {
    const token = cache.token([rw(MAIN)]);
    await save(cache, token, "ver-key", Buffer.from("v1 body"));
    const miss = await lookup(cache, token, "ver-key", ["ver-"], "other-version");
    expect(miss).toMatchObject({ status: 200, body: { ok: false, signed_download_url: "", matched_key: "" } });
  });

  it("restore keys are prefixes tried in order, each giving the newest match; an exact key wins over a newer prefix match; pending entries are invisible", async () => {
    const token = cache.token([rw(MAIN)]);
    await save(cache, token, "deps-linux-a", Buffer.from("a"));
    await save(cache, token, "deps-linux-b", Buffer.from("b"));
    await save(cache, token, "deps-mac-c", Buffer.from("c"));
    await call(cache, "CreateCacheEntry", { key: "deps-linux-pending", version: VERSION }, token); // never finalized

    expect((await lookup(cache, token, "deps-linux-zzz", ["deps-linux-", "deps-"])).body.matched_key).toBe("deps-linux-b");
    expect((await lookup(cache, token, "deps-win-zzz", ["deps-win-", "deps-"])).body.matched_key).toBe("deps-mac-c");
    expect((await lookup(cache, token, "deps-linux-a", ["deps-linux-"])).body.matched_key).toBe("deps-linux-a");
    expect((await lookup(cache, token, "deps-linux-pending", [])).body.ok).toBe(false);
    const hit = await lookup(cache, token, "deps-linux-zzz", ["deps-linux-"]);
    expect((await blobAt(hit.body.signed_download_url as string).downloadToBuffer()).toString()).toBe("b");
  });

  it("scopes are searched in the token's order: a feature branch sees its own entries first, main's as a fallback, never another branch's; it writes to its own scope", async () => {
    await save(cache, cache.token([rw(MAIN)]), "app-main", Buffer.from("main"));
    await save(cache, cache.token([rw(OTHER)]), "app-other", Buffer.from("other")); // newer, but another branch's
    const feature = cache.token([rw(FEATURE), ro(MAIN)]);

    expect((await lookup(cache, feature, "app-x", ["app-"])).body.matched_key).toBe("app-main");
    expect((await lookup(cache, feature, "app-other")).body.ok).toBe(false);

    await save(cache, feature, "app-feature", Buffer.from("feature"));
    expect(cache.entries().find((e) => e.key === "app-feature")?.scope).toBe(FEATURE);
    const own = await lookup(cache, feature, "app-x", ["app-"]);
    expect(own.body.matched_key).toBe("app-feature");
    expect((await blobAt(own.body.signed_download_url as string).downloadToBuffer()).toString()).toBe("feature");
    // Main's token does not see the feature branch's entry.
    expect((await lookup(cache, cache.token([rw(MAIN)]), "app-feature")).body.ok).toBe(false);
    // An exact key in main loses to a prefix match in the feature scope: scope order comes first.
    expect((await lookup(cache, feature, "app-main", ["app-"])).body.matched_key).toBe("app-feature");
  });

  it("a token without a write scope cannot create or finalize (403), one without a read scope cannot look up (403)", async () => {
    const readOnly = cache.token([ro(MAIN)]);
    expect(await call(cache, "CreateCacheEntry", { key: "k", version: VERSION }, readOnly)).toMatchObject({ status: 403, body: { code: "permission_denied" } });
    expect(await call(cache, "FinalizeCacheEntryUpload", { key: "k", size_bytes: "1", version: VERSION }, readOnly)).toMatchObject({ status: 403, body: { code: "permission_denied" } });
    const writeOnly = cache.token([{ scope: MAIN, permission: 2 }]);
    expect(await lookup(cache, writeOnly, "k")).toMatchObject({ status: 403, body: { code: "permission_denied" } });
  });

  it("a missing, forged, expired or not yet valid token is 401 unauthenticated; the token carries ac as a JSON string", async () => {
    const scopes = [rw(MAIN), ro("refs/heads/base")];
    const good = cache.token(scopes);
    const claims = JSON.parse(Buffer.from(good.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
    expect(claims.ac).toBe('[{"Scope":"refs/heads/main","Permission":3},{"Scope":"refs/heads/base","Permission":1}]');
    const now = Date.now() / 1000;
    expect(claims.exp).toBeGreaterThan(now + 3590);
    expect(claims.exp).toBeLessThanOrEqual(now + 3601);
    expect(claims.nbf).toBe(claims.iat);

    const another = await startGhaCache({ azurite });
    const foreign = another.token(scopes); // valid, but signed with another server's secret
    await another.stop();
    const [header, payload] = good.split(".");
    const widened = Buffer.from(JSON.stringify({ ...claims, ac: JSON.stringify([{ Scope: OTHER, Permission: 3 }]) })).toString("base64url");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 3600_000);
    const notYet = cache.token(scopes);
    vi.useRealTimers();

    const tokens: Record<string, string | undefined> = {
      missing: undefined,
      foreign,
      "altered claims": `${header}.${widened}.${good.split(".")[2]}`,
      "alg none": `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`,
      "not a JWT": "abc",
      expired: cache.token(scopes, { expiresInSeconds: -1 }),
      "not yet valid": notYet,
    };
    for (const [what, token] of Object.entries(tokens)) {
      const answer = await call(cache, "GetCacheEntryDownloadURL", { key: "k", version: VERSION }, token);
      expect({ what, status: answer.status, code: answer.body.code }).toEqual({ what, status: 401, code: "unauthenticated" });
    }
    expect((await call(cache, "GetCacheEntryDownloadURL", { key: "k", version: VERSION }, good)).status).toBe(200);
  });

  it("throttle() answers 429 resource_exhausted with Retry-After, for the named RPC only, then answers normally", async () => {
    const token = cache.token([rw(MAIN)]);
    cache.throttle(2, 7, "CreateCacheEntry");
    expect((await lookup(cache, token, "t")).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const throttled = await call(cache, "CreateCacheEntry", { key: "t", version: VERSION }, token);
      expect(throttled).toMatchObject({ status: 429, body: { code: "resource_exhausted" } });
      expect(throttled.headers.get("retry-after")).toBe("7");
    }
    expect((await call(cache, "CreateCacheEntry", { key: "t", version: VERSION }, token)).status).toBe(200);

    cache.throttle(1, 0);
    expect((await lookup(cache, token, "t")).status).toBe(429);
    expect((await lookup(cache, token, "t")).status).toBe(200);
    expect(cache.requests.map((r) => `${r.rpc} ${r.status}`)).toEqual([
      "GetCacheEntryDownloadURL 200",
      "CreateCacheEntry 429",
      "CreateCacheEntry 429",
      "CreateCacheEntry 200",
      "GetCacheEntryDownloadURL 429",
      "GetCacheEntryDownloadURL 200",
    ]);
    expect(() => cache.throttle(1, 1, "CreateCacheEntries")).toThrow(/not an RPC/);
  });

  it("a download SAS URL cannot write: the blob keeps its bytes", async () => {
    const token = cache.token([rw(MAIN)]);
    await save(cache, token, "ro-url", Buffer.from("original"));
    const url = (await lookup(cache, token, "ro-url")).body.signed_download_url as string;
    await expect(upload(url, Buffer.from("overwritten"))).rejects.toMatchObject({ statusCode: 403 });
    expect((await blobAt(url).downloadToBuffer()).toString()).toBe("original");
  });

  it("speaks Twirp's errors: unknown method, GET or another content type is 404 bad_route; a body that is not JSON is malformed; bad keys and versions are invalid_argument", async () => {
    const token = cache.token([rw(MAIN)]);
    const badRoute = { status: 404, body: { code: "bad_route", msg: expect.any(String) } };
    expect(await call(cache, "DeleteCacheEntry", { key: "k" }, token)).toMatchObject(badRoute);
    expect(await call(cache, "CreateCacheEntry", undefined, token, { httpMethod: "GET" })).toMatchObject(badRoute);
    expect(await call(cache, "CreateCacheEntry", { key: "k", version: VERSION }, token, { contentType: "application/protobuf" })).toMatchObject(badRoute);
    const elsewhere = await fetch(new URL("twirp/other.Service/CreateCacheEntry", cache.url), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(elsewhere.status).toBe(404);
    expect(await call(cache, "CreateCacheEntry", undefined, token, { rawBody: "{not json" })).toMatchObject({ status: 400, body: { code: "malformed" } });
    expect(await call(cache, "CreateCacheEntry", { key: 5, version: VERSION }, token)).toMatchObject({ status: 400, body: { code: "malformed" } });

    const invalid = { status: 400, body: { code: "invalid_argument" } };
    for (const key of ["", "a,b", "k".repeat(513)]) expect(await call(cache, "CreateCacheEntry", { key, version: VERSION }, token)).toMatchObject(invalid);
    expect(await call(cache, "CreateCacheEntry", { key: "k" }, token)).toMatchObject(invalid);
    expect((await call(cache, "CreateCacheEntry", { key: "k".repeat(512), version: VERSION }, token)).status).toBe(200);
    expect(cache.requests.slice(0, 4).map((r) => r.rpc)).toEqual(["DeleteCacheEntry", "CreateCacheEntry", "CreateCacheEntry", "/twirp/other.Service/CreateCacheEntry"]);
    expect(cache.requests[4]).toEqual({ rpc: "CreateCacheEntry", status: 400, body: "{not json" });
  });

  it("startGhaCache creates its container and signs for it; sasTtlSeconds sets the URLs' lifetime", async () => {
    const custom = await startGhaCache({ azurite, container: "custom-cache", sasTtlSeconds: 60 });
    try {
      const token = custom.token([rw(MAIN)]);
      const created = await call(custom, "CreateCacheEntry", { key: "c", version: VERSION }, token);
      const url = new URL(created.body.signed_upload_url as string);
      expect(url.pathname).toMatch(/^\/devstoreaccount1\/custom-cache\//);
      const expiresIn = Date.parse(url.searchParams.get("se")!) - Date.now();
      expect(expiresIn).toBeGreaterThan(50_000);
      expect(expiresIn).toBeLessThanOrEqual(60_000);
      await upload(created.body.signed_upload_url as string, Buffer.from("c"));
      expect((await call(custom, "FinalizeCacheEntryUpload", { key: "c", size_bytes: 1, version: VERSION }, token)).status).toBe(200);
    } finally {
      await custom.stop();
    }
    await custom.stop(); // idempotent
  });
});

describe("@exp/testing without @azure/storage-blob", () => {
  it("the gha-cache sources import the SDK lazily (a dynamic import) or for types only, so @exp/testing loads without it", async () => {
    const dir = import.meta.dirname;
    const sources = (await readdir(dir)).filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"));
    for (const name of sources) {
      const text = await readFile(join(dir, name), "utf8");
      for (const line of text.split("\n").filter((l) => /^\s*import\b.*["']@azure\/storage-blob["']/.test(l))) {
        expect({ name, line }).toEqual({ name, line: expect.stringMatching(/^import type /) });
      }
    }
  });
});
