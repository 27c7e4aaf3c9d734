import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { openContentStore, type ContentStore } from "@exp/content";
import { ProgressReporter } from "@exp/solver";
import { cacheImporter } from "./local-cache-importer.js";

// Issue 17 point 1: only "does not exist" may read as "no cache". The faults root can make
// (EACCES cannot: root reads anyway): a directory or a symlink loop where index.json should be,
// and a file where the cache directory should be.
let dir: string;
let store: ContentStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-cache-faults-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const load = (src: string) => cacheImporter.resolve({ src }).load({ signal: AbortSignal.timeout(10_000), store, progress: ProgressReporter.root(undefined) });

async function failure(src: string): Promise<Error> {
  const error = await load(src).then(
    (cache) => new Error(`expected a failure, got ${cache === undefined ? "no cache" : "a cache"}`),
    (e: unknown) => e as Error,
  );
  return error;
}

describe("local cache import of a cache that is there but cannot be read", () => {
  it("is no cache only when the directory or its index.json does not exist", async () => {
    expect(await load(join(dir, "nowhere"))).toBeUndefined();
    await mkdir(join(dir, "empty"));
    expect(await load(join(dir, "empty"))).toBeUndefined();
  });

  it("a directory where index.json should be: ERR_FILE_ACCESS naming the path and EISDIR", async () => {
    const src = join(dir, "cache");
    await mkdir(join(src, "index.json"), { recursive: true });
    const error = await failure(src);
    expect(isExpError(error, "ERR_FILE_ACCESS"), error.message).toBe(true);
    expect(error.message).toBe(`cannot read ${join(src, "index.json")}: EISDIR (it is a directory); expected the cache's index.json, a regular file, or no cache directory at all`);
  });

  it("an index.json that is a symlink loop: ELOOP", async () => {
    const src = join(dir, "cache");
    await mkdir(src);
    await symlink("index.json", join(src, "index.json"));
    expect((await failure(src)).message).toMatch(/^cannot read .*index\.json: ELOOP \(it is a symbolic link loop\)/);
  });

  it("a file where the cache directory should be: ENOTDIR is a fault here, not absence", async () => {
    await writeFile(join(dir, "cache"), "not a directory");
    const error = await failure(join(dir, "cache"));
    expect(isExpError(error, "ERR_FILE_ACCESS"), error.message).toBe(true);
    expect(error.message).toContain("ENOTDIR (a part of the path is not a directory)");
  });
});
