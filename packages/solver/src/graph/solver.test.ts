import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { ProgressReporter, loadHashCache, saveHashCache, type ContentHashCache, type ProgressEvent } from "../index.js";
import { copy, local, scratch } from "./nodes.js";
import { Solver } from "./solver.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-solver-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function makeContext(name: string, files: Record<string, string>, mtime: Date): Promise<string> {
  const root = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), content);
    await utimes(join(root, path), mtime, mtime);
  }
  await symlink("app/server.js", join(root, "entry"));
  await symlink("server.js", join(root, "app", "current"));
  return root;
}

async function solveApp(context: string, options: { epoch?: number; rewriteTimestamp?: boolean; events?: ProgressEvent[]; hashCache?: ContentHashCache; noCache?: boolean } = {}) {
  const lease = await store.leases.create();
  const solver = new Solver({
    store,
    lease: lease.id,
    ...(options.hashCache ? { hashCache: options.hashCache } : {}),
    progress: ProgressReporter.root(options.events ? (e) => options.events!.push(e) : undefined),
    ...(options.epoch === undefined ? {} : { sourceDateEpoch: options.epoch, rewriteTimestamp: options.rewriteTimestamp ?? true }),
    ...(options.noCache ? { noCache: true } : {}),
  });
  const ctx = local(context, ["*.log"]);
  const deps = copy(scratch(), { from: ctx, sources: ["package.json"], dest: "/app/", description: "COPY package.json /app/" });
  const app = copy(deps, { from: ctx, sources: ["app", "entry"], dest: "/app/", description: "COPY app entry /app/" });
  const solved = await solver.solve(app);
  await store.leases.release(lease.id);
  return solved;
}

const files = { "package.json": '{"name":"app"}', "app/server.js": "console.log('hi')", "app/lib/util.js": "export {}", "debug.log": "ignored" };

describe("Solver", () => {
  it("gives the same layers and keys for the same files in another checkout with other mtimes (SOURCE_DATE_EPOCH)", async () => {
    const a = await solveApp(await makeContext("a", files, new Date("2030-01-01")), { epoch: 1_700_000_000 });
    const b = await solveApp(await makeContext("b", files, new Date("2031-06-01")), { epoch: 1_700_000_000 });
    expect(a.ref.layers.map((l) => l.diffID)).toEqual(b.ref.layers.map((l) => l.diffID));
    expect(a.cacheKey).toBe(b.cacheKey);
    expect(a.ref.layers).toHaveLength(2);
  });

  it("keeps the files' times with an epoch but no rewriteTimestamp (BuildKit's layers), under other cache keys than clamped ones", async () => {
    const context = await makeContext("keep", files, new Date("2030-01-01"));
    const kept = await solveApp(context, { epoch: 1_700_000_000, rewriteTimestamp: false });
    const clamped = await solveApp(context, { epoch: 1_700_000_000 });
    expect(kept.cacheKey).not.toBe(clamped.cacheKey);
    expect(kept.ref.layers.at(-1)!.diffID).not.toBe(clamped.ref.layers.at(-1)!.diffID);
  });

  it("hits the cache on a second build: no layer is written and the ops report cached", async () => {
    const context = await makeContext("c", files, new Date("2030-01-01"));
    const first = await solveApp(context, { epoch: 1_700_000_000 });
    expect(first.cached).toBe(false);
    const blobsBefore = (await store.du()).blobs;
    const events: ProgressEvent[] = [];
    const second = await solveApp(context, { epoch: 1_700_000_000, events });
    expect(second.cached).toBe(true);
    expect(second.ref.id).toBe(first.ref.id);
    expect((await store.du()).blobs).toBe(blobsBefore);
    const copies = events.filter((e) => e.type === "vertex" && e.name.startsWith("COPY"));
    expect(copies.filter((e) => e.type === "vertex" && e.status === "cached")).toHaveLength(2);
  });

  it("noCache: a second build writes every layer again (nothing cached), with the same diffIDs", async () => {
    const context = await makeContext("n", files, new Date("2030-01-01"));
    const first = await solveApp(context, { epoch: 1_700_000_000 });
    const events: ProgressEvent[] = [];
    const second = await solveApp(context, { epoch: 1_700_000_000, events, noCache: true });
    expect(second.cached).toBe(false);
    expect(second.ref.layers.map((l) => l.diffID)).toEqual(first.ref.layers.map((l) => l.diffID));
    const copies = events.filter((e) => e.type === "vertex" && e.name.startsWith("COPY"));
    expect(copies.filter((e) => e.type === "vertex" && e.status === "cached")).toHaveLength(0);
    expect(copies.filter((e) => e.type === "vertex" && e.status === "completed")).toHaveLength(2);
    // What it wrote is recorded as usual: a build after it hits.
    expect((await solveApp(context, { epoch: 1_700_000_000 })).cached).toBe(true);
  });

  it("loads the build context as a step of its own before the first COPY from it starts, as BuildKit orders them", async () => {
    const events: ProgressEvent[] = [];
    await solveApp(await makeContext("o", files, new Date("2030-01-01")), { events });
    const starts = events.flatMap((e) => (e.type === "vertex" && e.status === "started" && e.parent === undefined ? [e.name] : []));
    expect(starts).toEqual(["[internal] load build context", "COPY package.json /app/", "COPY app entry /app/"]);
    const loaded = events.findIndex((e) => e.type === "vertex" && e.name === "[internal] load build context" && e.status === "completed");
    const firstCopy = events.findIndex((e) => e.type === "vertex" && e.name.startsWith("COPY"));
    expect(loaded).toBeLessThan(firstCopy);
  });

  it("a Ctrl-C during a cached rebuild stops it before the next step, even though every step would hit", async () => {
    const context = await makeContext("ctrl-c", files, new Date("2030-01-01"));
    await solveApp(context, { epoch: 1_700_000_000 });
    const controller = new AbortController();
    const started: string[] = [];
    const lease = await store.leases.create();
    const solver = new Solver({
      store,
      lease: lease.id,
      sourceDateEpoch: 1_700_000_000,
      rewriteTimestamp: true,
      signal: controller.signal,
      progress: ProgressReporter.root((e) => {
        if (e.type !== "vertex" || e.parent !== undefined) return;
        if (e.status === "started") started.push(e.name);
        // The user presses Ctrl-C as the first COPY ends.
        if (e.name === "COPY package.json /app/" && e.status === "cached") controller.abort(new Error("interrupted (SIGINT)"));
      }),
    });
    const ctx = local(context, ["*.log"]);
    const deps = copy(scratch(), { from: ctx, sources: ["package.json"], dest: "/app/", description: "COPY package.json /app/" });
    const app = copy(deps, { from: ctx, sources: ["app", "entry"], dest: "/app/", description: "COPY app entry /app/" });
    await expect(solver.solve(app)).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(started).not.toContain("COPY app entry /app/");
    await store.leases.release(lease.id);
  });

  it("a later build in a new process reads no file whose hash an earlier build saved", async () => {
    const context = await makeContext("h", files, new Date("2030-01-01"));
    const firstCache = await loadHashCache(store);
    await solveApp(context, { epoch: 1_700_000_000, hashCache: firstCache });
    expect(firstCache.stats.misses).toBeGreaterThan(0);
    await saveHashCache(store, firstCache);
    await store.gc();
    const secondCache = await loadHashCache(store);
    const second = await solveApp(context, { epoch: 1_700_000_000, hashCache: secondCache });
    expect(second.cached).toBe(true);
    expect(secondCache.stats).toEqual({ hits: firstCache.stats.misses, misses: 0 });
  });

  it("a changed file changes only its layer and the layers after it", async () => {
    const first = await solveApp(await makeContext("d", files, new Date("2030-01-01")), { epoch: 1_700_000_000 });
    const changed = await solveApp(await makeContext("e", { ...files, "app/server.js": "console.log('bye')" }, new Date("2030-01-01")), { epoch: 1_700_000_000 });
    expect(changed.ref.layers[0]!.diffID).toBe(first.ref.layers[0]!.diffID);
    expect(changed.ref.layers[1]!.diffID).not.toBe(first.ref.layers[1]!.diffID);
    const dependency = await solveApp(await makeContext("f", { ...files, "package.json": '{"name":"app2"}' }, new Date("2030-01-01")), { epoch: 1_700_000_000 });
    expect(dependency.ref.layers[0]!.diffID).not.toBe(first.ref.layers[0]!.diffID);
    // The second COPY's files are the same, but it sits on another base, so its key differs.
    expect(dependency.cacheKey).not.toBe(first.cacheKey);
  });

  it("writes a tar with the expected entries, ignored files left out, symlinks kept", async () => {
    const solved = await solveApp(await makeContext("g", files, new Date("2030-01-01")), { epoch: 1_700_000_000 });
    const tarPath = join(dir, "layer.tar");
    const stream = await solved.ref.layers[1]!.openTar({});
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    await writeFile(tarPath, Buffer.concat(chunks));
    const listing = execFileSync("tar", ["-tvf", tarPath], { encoding: "utf8" });
    // A symlink inside a copied directory stays a symlink; a top-level source symlink is followed (Docker's COPY).
    expect(listing).toMatch(/app\/current -> server.js/);
    expect(listing).toMatch(/^-rw.* 17 .* app\/entry$/m);
    expect(listing).toMatch(/app\/server.js/);
    expect(listing).toMatch(/app\/lib\/util.js/);
    expect(listing).not.toMatch(/debug.log/);
    expect(listing).toMatch(/2023-11-1\d/); // mtimes clamped to the epoch (1_700_000_000 = 2023-11-14)
  });
});
