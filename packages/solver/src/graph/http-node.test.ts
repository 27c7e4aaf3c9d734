import { Readable } from "node:stream";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { AbortedError } from "@exp/errors";
import { digestOf, type Digest } from "@exp/oci-spec";
import { ProgressReporter } from "../progress/reporter.js";
import type { UrlFetcher, UrlResponse } from "../sources/url-fetcher.js";
import { CacheRecords } from "./cache-records.js";
import { copy, http, scratch } from "./nodes.js";
import { Solver } from "./solver.js";

// The solver's side of ADD <url> with a scripted fetcher: what is in the cache key, and when a
// request is made at all. (The real HTTP client is tested in @exp/registry, end to end in
// @exp/dockerfile's add-url.test.ts.)

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-http-node-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

interface Served {
  body: string;
  headers?: Record<string, string>;
  status?: number;
}

function scripted(serve: () => Served): UrlFetcher & { calls: Array<Record<string, string>> } {
  const calls: Array<Record<string, string>> = [];
  return {
    calls,
    async get(url, options): Promise<UrlResponse> {
      calls.push({ ...options.headers });
      const answer = serve();
      return { status: answer.status ?? 200, url, headers: answer.headers ?? {}, body: Readable.from([Buffer.from(answer.body)]) };
    },
  };
}

async function solveAdd(fetcher: UrlFetcher, checksum?: Digest, signal?: AbortSignal) {
  const lease = await store.leases.create();
  const solver = new Solver({ store, lease: lease.id, progress: ProgressReporter.root(undefined), http: fetcher, ...(signal ? { signal } : {}) });
  const from = http("https://example.com/f.txt", { filename: "f.txt", ...(checksum ? { checksum } : {}) });
  return solver.solve(copy(scratch(), { from, sources: ["f.txt"], dest: "/f.txt", description: "ADD" }));
}

describe("http nodes", () => {
  it("key on the download's digest and Last-Modified: a new date is a new layer, the same answer a cache hit", async () => {
    let date = "Wed, 21 Oct 2015 07:28:00 GMT";
    const fetcher = scripted(() => ({ body: "same", headers: { "last-modified": date } }));
    const first = await solveAdd(fetcher);
    const again = await solveAdd(fetcher);
    expect(again.cached).toBe(true);
    expect(again.cacheKey).toBe(first.cacheKey);
    date = "Thu, 22 Oct 2015 07:28:00 GMT";
    const redated = await solveAdd(fetcher);
    expect(redated.cached).toBe(false);
    expect(redated.cacheKey).not.toBe(first.cacheKey);
    // Without an ETag there is nothing to revalidate with: each build asks again, unconditionally.
    expect(fetcher.calls.map((c) => c["if-none-match"])).toEqual([undefined, undefined, undefined]);
  });

  it("key on --checksum alone: a cached layer needs no request, whatever the server would say now", async () => {
    const fetcher = scripted(() => ({ body: "pinned" }));
    const checksum = digestOf(Buffer.from("pinned"));
    const first = await solveAdd(fetcher, checksum);
    expect(fetcher.calls).toHaveLength(1);
    const again = await solveAdd(scripted(() => ({ body: "changed upstream" })), checksum);
    expect(again.cached).toBe(true);
    expect(again.cacheKey).toBe(first.cacheKey);
  });

  it("reuse a stored download the server says is current (304 to If-None-Match)", async () => {
    let calls = 0;
    const fetcher = scripted(() => (calls++ === 0 ? { body: "v1", headers: { etag: 'W/"1"' } } : { body: "", status: 304 }));
    const first = await solveAdd(fetcher);
    const again = await solveAdd(fetcher);
    expect(fetcher.calls[1]).toMatchObject({ "if-none-match": 'W/"1"' });
    expect(again.cacheKey).toBe(first.cacheKey);
    expect(again.cached).toBe(true);
    // `exp prune --all` forgets the ETag record too, so the download can be collected.
    expect((await store.roots.list()).some((r) => r.name.startsWith("exp.http/"))).toBe(true);
    await new CacheRecords(store).clear();
    expect((await store.roots.list()).some((r) => r.name.startsWith("exp.http/"))).toBe(false);
  });

  it("fail a 304 nobody asked for, and stop when aborted", async () => {
    await expect(solveAdd(scripted(() => ({ body: "", status: 304 })))).rejects.toMatchObject({ code: "ERR_URL_STATUS", status: 304 });
    const controller = new AbortController();
    controller.abort(new Error("Ctrl-C"));
    await expect(solveAdd(scripted(() => ({ body: "x" })), undefined, controller.signal)).rejects.toBeInstanceOf(AbortedError);
  });

  it("are only a COPY source, with a URL and a one-component file name", async () => {
    expect(() => http("ftp://example.com/f", { filename: "f" })).toThrow(TypeError);
    expect(() => http("https://example.com/f", { filename: "../f" })).toThrow(/one path component/);
    const lease = await store.leases.create();
    const solver = new Solver({ store, lease: lease.id, progress: ProgressReporter.root(undefined) });
    await expect(solver.solve(http("https://example.com/f", { filename: "f" }))).rejects.toThrow(/only a COPY source/);
    await expect(solver.solve(copy(scratch(), { from: http("https://example.com/f", { filename: "f" }), sources: ["f"], dest: "/f", description: "ADD" }))).rejects.toMatchObject({
      code: "ERR_URL_FETCHER_REQUIRED",
    });
  });
});
