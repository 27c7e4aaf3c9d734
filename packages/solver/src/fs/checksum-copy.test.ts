import { appendFile, chmod, mkdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { checksumCopy } from "./checksum-copy.js";
import { ContentHashCache } from "./content-hash-cache.js";
import { contextFsSource } from "./context-fs-source.js";
import { selectCopySources } from "./select-copy-sources.js";
import { memoryFsSource, withTempDir } from "./test-support.js";
import { walkContext } from "./walk-context.js";

async function makeContext(dir: string, mtimeSeconds: number): Promise<void> {
  await mkdir(join(dir, "app/lib"), { recursive: true });
  await writeFile(join(dir, "app/server.js"), "console.log('hi')\n");
  await writeFile(join(dir, "app/lib/util.js"), "export const x = 1;\n");
  await chmod(join(dir, "app/server.js"), 0o755);
  await symlink("server.js", join(dir, "app/main.js"));
  for (const path of ["app/server.js", "app/lib/util.js", "app/lib", "app"]) await utimes(join(dir, path), mtimeSeconds, mtimeSeconds);
}

async function checksumOf(dir: string, options: Parameters<typeof checksumCopy>[1] = {}, cache = new ContentHashCache()) {
  const fs = contextFsSource(dir, await walkContext(dir), { hashCache: cache });
  return checksumCopy(await selectCopySources(fs, ["app"], "/srv/app", { workdir: "/" }), options);
}

describe("checksumCopy", () => {
  it("is the same for the same files in two directories with different mtimes and inodes", async () => {
    await withTempDir(async (one) => {
      await withTempDir(async (two) => {
        await makeContext(one, 1_000_000);
        await makeContext(two, 2_000_000);
        const a = await checksumOf(one);
        expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(await checksumOf(two)).toBe(a);
      });
    });
  });

  it("changes with content, mode, ownership (--chown), --chmod and symlink target", async () => {
    await withTempDir(async (dir) => {
      await makeContext(dir, 1_000_000);
      const base = await checksumOf(dir);
      const seen = new Set<string>([base]);
      const expectNew = (digest: string) => {
        expect(seen.has(digest)).toBe(false);
        seen.add(digest);
      };
      expectNew(await checksumOf(dir, { chown: { uid: 1000, gid: 1000 } }));
      expectNew(await checksumOf(dir, { chown: { uid: 1000, gid: 1001 } }));
      expectNew(await checksumOf(dir, { chmod: 0o700 }));
      await chmod(join(dir, "app/server.js"), 0o644);
      expectNew(await checksumOf(dir));
      await writeFile(join(dir, "app/lib/util.js"), "export const x = 2;\n");
      expectNew(await checksumOf(dir));
      await rm(join(dir, "app/main.js"));
      await symlink("lib/util.js", join(dir, "app/main.js"));
      expectNew(await checksumOf(dir));
    });
  });

  it("changes with the destination and does not depend on the source's own path", async () => {
    const fs = memoryFsSource({ "a/x": "same", "b/x": "same" });
    const at = async (src: string, dest: string) => checksumCopy(await selectCopySources(fs, [src], dest, { workdir: "/" }));
    expect(await at("a", "/d")).toBe(await at("b", "/d"));
    expect(await at("a", "/d")).not.toBe(await at("a", "/e"));
  });

  it("hashes each file once per process through the content-hash cache", async () => {
    await withTempDir(async (dir) => {
      await makeContext(dir, 1_000_000);
      const cache = new ContentHashCache();
      const set = vi.spyOn(cache, "set");
      const first = await checksumOf(dir, {}, cache);
      expect(set).toHaveBeenCalledTimes(2);
      expect(await checksumOf(dir, {}, cache)).toBe(first);
      expect(set).toHaveBeenCalledTimes(2);
      expect(cache.size).toBe(2);
    });
  });

  it("refuses a file that changed after the walk", async () => {
    await withTempDir(async (dir) => {
      await makeContext(dir, 1_000_000);
      const fs = contextFsSource(dir, await walkContext(dir), { hashCache: new ContentHashCache() });
      const plan = await selectCopySources(fs, ["app"], "/a", { workdir: "/" });
      await appendFile(join(dir, "app/server.js"), "more");
      await expect(checksumCopy(plan)).rejects.toMatchObject({ code: "ERR_FILE_CHANGED", path: "app/server.js" });
    });
  });
});
