import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isExpError } from "@exp/errors";
import { clearSkopeoBlobCache, skopeoBlobCachePaths } from "./skopeo-cache.js";
import { tempDir } from "./temp-dir.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("tempDir", () => {
  it("creates a fresh directory with the prefix and removes it with its contents", async () => {
    const a = await tempDir("exp-test-");
    const b = await tempDir("exp-test-");
    expect(a.path).not.toBe(b.path);
    expect(basename(a.path)).toMatch(/^exp-test-.{6}$/);
    await mkdir(join(a.path, "sub"));
    await writeFile(join(a.path, "sub", "f"), "x");
    await a.cleanup();
    await a.cleanup();
    expect(existsSync(a.path)).toBe(false);
    expect(existsSync(b.path)).toBe(true);
    await b.cleanup();
  });

  it("rejects an aborted signal", async () => {
    const error = await tempDir("exp-test-", { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isExpError(error, "ERR_ABORTED")).toBe(true);
  });
});

describe("clearSkopeoBlobCache", () => {
  it("knows the system cache and the per-user one under XDG_DATA_HOME", () => {
    vi.stubEnv("XDG_DATA_HOME", "/data/home");
    expect(skopeoBlobCachePaths()).toEqual(["/var/lib/containers/cache/blob-info-cache-v1.boltdb", "/data/home/containers/cache/blob-info-cache-v1.boltdb"]);
  });

  it("removes the per-user cache file and tolerates absent ones", async () => {
    const home = await tempDir("exp-xdg-");
    try {
      vi.stubEnv("XDG_DATA_HOME", home.path);
      const userCache = join(home.path, "containers", "cache", "blob-info-cache-v1.boltdb");
      await mkdir(join(home.path, "containers", "cache"), { recursive: true });
      await writeFile(userCache, "bolt");
      expect(await clearSkopeoBlobCache()).toContain(userCache);
      expect(existsSync(userCache)).toBe(false);
      expect(await clearSkopeoBlobCache()).not.toContain(userCache);
    } finally {
      await home.cleanup();
    }
  });
});
