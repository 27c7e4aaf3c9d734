import { execFileSync } from "node:child_process";
import { appendFile, chmod, link, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { digestOf } from "@exp/oci-spec";
import { ContentHashCache } from "./content-hash-cache.js";
import { contextFsSource } from "./context-fs-source.js";
import { WHOLE_READ_LIMIT } from "./fs-source.js";
import type { LayerEntry } from "./layer-entry.js";
import { selectCopySources } from "./select-copy-sources.js";
import { tarHeader } from "./tar-header.js";
import { collector, readTar, withTempDir } from "./test-support.js";
import { walkContext } from "./walk-context.js";
import { writeLayerTar, type WriteLayerTarOptions } from "./write-layer-tar.js";

const longDir = "d".repeat(60);
const longName = "n".repeat(120);

async function makeContext(dir: string, mtimeSeconds: number): Promise<void> {
  await mkdir(join(dir, "app/lib"), { recursive: true });
  await mkdir(join(dir, `app/${longDir}/${longDir}/${longDir}/${longDir}`), { recursive: true });
  await writeFile(join(dir, "app/server.js"), "console.log('hi')\n");
  await writeFile(join(dir, "app/lib/util.js"), "export const x = 1;\n");
  await writeFile(join(dir, `app/${longDir}/${longDir}/${longDir}.txt`), "deep");
  await writeFile(join(dir, `app/${longDir}/${longDir}/${longDir}/${longDir}/x.txt`), "deeper");
  await writeFile(join(dir, `app/${longName}`), "long");
  await writeFile(join(dir, "app/zero-mode"), "");
  await chmod(join(dir, "app/server.js"), 0o4755);
  await chmod(join(dir, "app/zero-mode"), 0o000);
  await symlink("server.js", join(dir, "app/main.js"));
  await link(join(dir, "app/lib/util.js"), join(dir, "app/util-link.js"));
  for (const path of ["app/server.js", "app/lib/util.js", "app/lib", "app", `app/${longName}`, "app/zero-mode"]) {
    await utimes(join(dir, path), mtimeSeconds, mtimeSeconds);
  }
}

async function layerOf(dir: string, options: WriteLayerTarOptions) {
  const fs = contextFsSource(dir, await walkContext(dir), { hashCache: new ContentHashCache() });
  const plan = await selectCopySources(fs, ["app"], "/srv/app", { workdir: "/" });
  const out = collector();
  const result = await writeLayerTar(plan, out.stream, options);
  return { ...result, bytes: out.bytes() };
}

describe("writeLayerTar", () => {
  it("is byte-identical for the same files with different mtimes when clamped, and reports the diffID", async () => {
    await withTempDir(async (one) => {
      await withTempDir(async (two) => {
        await makeContext(one, 1_700_000_000);
        await makeContext(two, 1_800_000_000);
        const options: WriteLayerTarOptions = { mtime: { mode: "clamp", epochSeconds: 1_600_000_000 } };
        const a = await layerOf(one, options);
        const b = await layerOf(two, options);
        expect(a.bytes.equals(b.bytes)).toBe(true);
        expect(a.diffID).toBe(b.diffID);
        expect(a.diffID).toBe(digestOf(a.bytes));
        expect(a.size).toBe(a.bytes.length);
        expect(a.size % 512).toBe(0);
        // Kept mtimes differ, so the tars do too: the test above is not passing by accident.
        expect((await layerOf(one, {})).diffID).not.toBe((await layerOf(two, {})).diffID);
      });
    });
  });

  it("writes the headers containerd would: walk order, dir/, numeric ids, modes, links, PAX for long names", async () => {
    await withTempDir(async (dir) => {
      await makeContext(dir, 1_700_000_000);
      const { bytes } = await layerOf(dir, { chown: { uid: 1000, gid: 2000 }, mtime: { mode: "set", epochSeconds: 1_234_567_890 } });
      const items = await readTar(bytes);
      const deep = `srv/app/${longDir}/${longDir}/${longDir}.txt`;
      const deeper = `srv/app/${longDir}/${longDir}/${longDir}/${longDir}/x.txt`;
      expect(items.map((i) => i.header.name)).toEqual([
        "srv/",
        "srv/app/",
        `srv/app/${longDir}/`,
        `srv/app/${longDir}/${longDir}/`,
        `srv/app/${longDir}/${longDir}/${longDir}/`,
        `srv/app/${longDir}/${longDir}/${longDir}/${longDir}/`,
        deeper,
        deep,
        "srv/app/lib/",
        "srv/app/lib/util.js",
        "srv/app/main.js",
        `srv/app/${longName}`,
        "srv/app/server.js",
        "srv/app/util-link.js",
        "srv/app/zero-mode",
      ]);
      const byName = new Map(items.map((i) => [i.header.name, i]));
      for (const item of items) {
        expect([item.header.uid, item.header.gid, item.header.uname, item.header.gname]).toEqual([1000, 2000, "", ""]);
        expect(item.header.mtime.getTime()).toBe(1_234_567_890_000);
      }
      expect(byName.get("srv/")?.header).toMatchObject({ type: "directory", mode: 0o755, size: 0 });
      expect(byName.get("srv/app/server.js")?.header).toMatchObject({ type: "file", mode: 0o4755, size: 18 });
      expect(byName.get("srv/app/server.js")?.content.toString()).toBe("console.log('hi')\n");
      expect(byName.get("srv/app/zero-mode")?.header).toMatchObject({ type: "file", mode: 0, size: 0 });
      expect(byName.get("srv/app/main.js")?.header).toMatchObject({ type: "symlink", linkname: "server.js", size: 0 });
      expect(byName.get("srv/app/util-link.js")?.header).toMatchObject({ type: "link", linkname: "srv/app/lib/util.js", size: 0 });
      expect(byName.get(`srv/app/${longName}`)?.content.toString()).toBe("long");
      // Names that do not fit USTAR (name 100 + prefix 155) went through a PAX "path" record;
      // a 194-byte path that splits at a "/" into prefix and name did not need one (like Go's writer).
      const paxPath = (name: string) => (byName.get(name)?.header.pax as Record<string, string> | null | undefined)?.path;
      expect(paxPath(`srv/app/${longName}`)).toBe(`srv/app/${longName}`);
      expect(paxPath(deeper)).toBe(deeper);
      expect(byName.get(deeper)?.content.toString()).toBe("deeper");
      expect(deep.length).toBeGreaterThan(100);
      expect(paxPath(deep)).toBeUndefined();
      expect(byName.get(deep)?.content.toString()).toBe("deep");
    });
  });

  it("applies --chmod to files, copied dirs and created parents (fsutil#228), not to symlinks", async () => {
    await withTempDir(async (dir) => {
      await makeContext(dir, 1_700_000_000);
      const items = await readTar((await layerOf(dir, { chmod: 0o640 })).bytes);
      const modes = Object.fromEntries(items.map((i) => [i.header.name, i.header.mode]));
      expect(modes["srv/"]).toBe(0o640);
      expect(modes["srv/app/"]).toBe(0o640);
      expect(modes["srv/app/lib/"]).toBe(0o640);
      expect(modes["srv/app/server.js"]).toBe(0o640);
      expect(modes["srv/app/main.js"]).not.toBe(0o640);
    });
  });

  /** The headers of a layer of `entries` (empty files), as tar-stream reads them: a reader other than exp's. */
  async function headersOf(entries: LayerEntry[]) {
    const out = collector();
    await writeLayerTar(entries.map((e) => ({ ...e, open: async () => Readable.from([]) })), out.stream);
    return (await readTar(out.bytes())).map((item) => item.header);
  }

  it("keeps a time before 1970 in a PAX record, as Go's archive/tar writes it", async () => {
    const [header] = await headersOf([{ path: "old", type: "file", mode: 0o644, uid: 0, gid: 0, size: 0, mtimeMs: -86_400_500 }]);
    expect(header!.pax).toEqual({ path: "old", mtime: "-86401" });
    expect(header!.mtime?.getTime()).toBe(0);
  });

  it("clamps only times later than the epoch, keeps or sets them otherwise", () => {
    const entry: LayerEntry = { path: "/f", type: "file", mode: 0o644, uid: 0, gid: 0, size: 0, mtimeMs: 2_000_500 };
    expect(tarHeader(entry, { mode: "keep" }).mtimeMs).toBe(2_000_000);
    expect(tarHeader(entry, { mode: "clamp", epochSeconds: 1000 }).mtimeMs).toBe(1_000_000);
    expect(tarHeader(entry, { mode: "clamp", epochSeconds: 5000 }).mtimeMs).toBe(2_000_000);
    expect(tarHeader(entry, { mode: "set", epochSeconds: 5000 }).mtimeMs).toBe(5_000_000);
  });

  it("puts ids beyond USTAR's six octal digits in PAX records (tar-stream wrote 777777 for 262144 to 2097151)", async () => {
    const [big, middle, small] = await headersOf([
      { path: "big", type: "file", mode: 0o644, uid: 3_000_000, gid: 1, size: 0, mtimeMs: 0 },
      { path: "middle", type: "file", mode: 0o644, uid: 300_000, gid: 0o777777 + 1, size: 0, mtimeMs: 0 },
      { path: "small", type: "file", mode: 0o644, uid: 0o777777, gid: 0o777777, size: 0, mtimeMs: 0 },
    ]);
    expect(big!.pax).toEqual({ path: "big", uid: "3000000" });
    expect(middle!.pax).toEqual({ path: "middle", uid: "300000", gid: String(0o777777 + 1) });
    expect(small!.pax).toBeFalsy();
    expect(small!.uid).toBe(0o777777);
  });

  it("lists cleanly with GNU tar", async () => {
    let version = "";
    try {
      version = execFileSync("tar", ["--version"], { encoding: "utf8" });
    } catch {
      return;
    }
    if (!version.includes("GNU tar")) return;
    await withTempDir(async (dir) => {
      await makeContext(dir, 1_700_000_000);
      const { bytes } = await layerOf(dir, { mtime: { mode: "clamp", epochSeconds: 1_600_000_000 } });
      const tarFile = join(dir, "layer.tar");
      await writeFile(tarFile, bytes);
      const names = execFileSync("tar", ["-tf", tarFile], { encoding: "utf8" }).trim().split("\n");
      expect(names).toContain(`srv/app/${longName}`);
      expect(names).toContain(`srv/app/${longDir}/${longDir}/${longDir}.txt`);
      expect(names).toContain(`srv/app/${longDir}/${longDir}/${longDir}/${longDir}/x.txt`);
      const verbose = execFileSync("tar", ["-tvf", tarFile, "--numeric-owner"], { encoding: "utf8" });
      expect(verbose).toMatch(/-rwsr-xr-x 0\/0 +18 2020-09-1\d \d\d:\d\d srv\/app\/server.js/);
      expect(verbose).toContain("srv/app/main.js -> server.js");
      expect(verbose).toContain("srv/app/util-link.js link to srv/app/lib/util.js");
      const out = await mkdtemp(join(tmpdir(), "exp-untar-"));
      try {
        execFileSync("tar", ["-xf", tarFile, "-C", out]);
        expect(await readFile(join(out, `srv/app/${longDir}/${longDir}/${longDir}.txt`), "utf8")).toBe("deep");
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    });
  });
});

describe("writeLayerTar: many small files and a large one", () => {
  it("writes every file's bytes, small ones read whole and one over the whole-read limit streamed, in walk order", async () => {
    await withTempDir(async (dir) => {
      const expected = new Map<string, Buffer>();
      for (let i = 0; i < 300; i++) {
        const bytes = Buffer.from(`module.exports = ${i};\n`.repeat(1 + (i % 7)));
        await mkdir(join(dir, `pkg${i % 10}`), { recursive: true });
        await writeFile(join(dir, `pkg${i % 10}`, `f${i}.js`), bytes);
        expected.set(`srv/pkg${i % 10}/f${i}.js`, bytes);
      }
      const big = Buffer.alloc(WHOLE_READ_LIMIT + 12_345, 7);
      await writeFile(join(dir, "big.bin"), big);
      expected.set("srv/big.bin", big);
      const fs = contextFsSource(dir, await walkContext(dir), { hashCache: new ContentHashCache() });
      const plan = await selectCopySources(fs, ["."], "/srv", { workdir: "/" });
      const out = collector();
      const result = await writeLayerTar(plan, out.stream);
      expect(result.diffID).toBe(digestOf(out.bytes()));
      const files = (await readTar(out.bytes())).filter((item) => item.header.type === "file");
      expect(new Map(files.map((item) => [item.header.name, item.content]))).toEqual(expected);
    });
  });
});

describe("writeLayerTar: files that change", () => {
  it("refuses a context file that grew after the walk, naming it", async () => {
    await withTempDir(async (dir) => {
      await makeContext(dir, 1_700_000_000);
      const fs = contextFsSource(dir, await walkContext(dir), { hashCache: new ContentHashCache() });
      const plan = await selectCopySources(fs, ["app"], "/srv/app", { workdir: "/" });
      await appendFile(join(dir, "app/server.js"), "grown");
      await expect(writeLayerTar(plan, collector().stream)).rejects.toMatchObject({ code: "ERR_FILE_CHANGED", path: "app/server.js" });
    });
  });

  it("refuses a small context file rewritten after the walk with the same size (a new mtime), and one replaced by a symlink", async () => {
    await withTempDir(async (dir) => {
      await makeContext(dir, 1_700_000_000);
      const fs = contextFsSource(dir, await walkContext(dir), { hashCache: new ContentHashCache() });
      const plan = await selectCopySources(fs, ["app"], "/srv/app", { workdir: "/" });
      await writeFile(join(dir, "app/server.js"), "console.log('HI')\n");
      await expect(writeLayerTar(plan, collector().stream)).rejects.toMatchObject({ code: "ERR_FILE_CHANGED", path: "app/server.js", message: expect.stringContaining("modified") });
      await rm(join(dir, "app/server.js"));
      await symlink("/etc/passwd", join(dir, "app/server.js"));
      await expect(writeLayerTar(plan, collector().stream)).rejects.toMatchObject({ code: "ERR_FILE_CHANGED", path: "app/server.js" });
    });
  });

  it("refuses a small file whose whole read does not have the listed size", async () => {
    const entries: LayerEntry[] = [
      { path: "/a", type: "file", mode: 0o644, uid: 0, gid: 0, size: 4, mtimeMs: 0, open: async () => Readable.from([Buffer.from("abcd")]), readFile: async () => Buffer.from("abc") },
    ];
    await expect(writeLayerTar(entries, collector().stream)).rejects.toMatchObject({ code: "ERR_FILE_CHANGED", path: "a", message: expect.stringContaining("read 3") });
  });

  it.each([
    ["grows while streaming", "abcdefgh", "grew beyond"],
    ["shrinks while streaming", "ab", "read 2"],
  ])("refuses content that %s, and never ends the output as a valid tar", async (_name, actual, message) => {
    const entries: LayerEntry[] = [
      { path: "/a", type: "file", mode: 0o644, uid: 0, gid: 0, size: 4, mtimeMs: 0, open: async () => Readable.from([Buffer.from(actual)]) },
    ];
    const out = collector();
    let finished = false;
    out.stream.on("finish", () => (finished = true));
    await expect(writeLayerTar(entries, out.stream)).rejects.toMatchObject({ code: "ERR_FILE_CHANGED", path: "a", message: expect.stringContaining(message) });
    expect(finished).toBe(false);
  });

  it("stops when aborted in the middle of a file", async () => {
    const controller = new AbortController();
    async function* slow() {
      yield Buffer.from("ab");
      controller.abort();
      yield Buffer.from("cd");
    }
    const entries: LayerEntry[] = [{ path: "/a", type: "file", mode: 0o644, uid: 0, gid: 0, size: 4, mtimeMs: 0, open: async () => Readable.from(slow()) }];
    await expect(writeLayerTar(entries, collector().stream, { signal: controller.signal })).rejects.toMatchObject({ code: "ERR_ABORTED" });
  });

  it("writes no header for a file that cannot be opened", async () => {
    const failing: LayerEntry = {
      path: "/b",
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: 1,
      mtimeMs: 0,
      open: async () => {
        throw Object.assign(new Error("gone"), { code: "ERR_FILE_CHANGED" });
      },
    };
    const out = collector();
    await expect(writeLayerTar([{ path: "/a", type: "dir", mode: 0o755, uid: 0, gid: 0, size: 0, mtimeMs: 0 }, failing], out.stream)).rejects.toMatchObject({ code: "ERR_FILE_CHANGED" });
    expect(out.bytes().includes(Buffer.from("b\0"))).toBe(false);
  });

  it("refuses entries it cannot write", async () => {
    const file = { type: "file" as const, mode: 0o644, uid: 0, gid: 0, size: 0, mtimeMs: 0 };
    await expect(writeLayerTar([{ ...file, path: "a" }], collector().stream)).rejects.toMatchObject({ code: "ERR_LAYER_ENTRY_INVALID", path: "a" });
    await expect(
      writeLayerTar([{ ...file, path: "b", type: "hardlink", linkTarget: "/c" }], collector().stream),
    ).rejects.toMatchObject({ code: "ERR_LAYER_ENTRY_INVALID", path: "b" });
  });
});

describe("named pipes", () => {
  it("a FIFO in the context becomes a FIFO entry of the layer, as BuildKit's copier recreates it", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "app"));
      execFileSync("mkfifo", ["-m", "0620", join(dir, "app", "pipe")]);
      const items = await readTar((await layerOf(dir, {})).bytes);
      const pipe = items.find((item) => item.header.name === "srv/app/pipe");
      expect(pipe?.header.type).toBe("fifo");
      expect(pipe?.header.mode).toBe(0o620);
      expect(pipe?.header.size).toBe(0);
    });
  });
});
