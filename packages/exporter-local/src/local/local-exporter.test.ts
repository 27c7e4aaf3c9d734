import { link, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { createLocalExporter, localExporter } from "../index.js";
import { linuxAmd64, linuxArm64, runExporter, snapshot, sourceOf, tarLayer, writeContext } from "../test-support.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-local-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const dockerfile = `FROM scratch
COPY --chmod=755 bin/ /app/bin/
COPY etc/ /app/etc/
COPY README.txt /app/
`;

async function built(platforms = [linuxAmd64], extra: Record<string, string> = {}) {
  const context = await writeContext(join(dir, `ctx-${platforms.length}-${Object.keys(extra).length}`), {
    Dockerfile: dockerfile,
    "bin/start": "#!/bin/sh\necho hi\n",
    "etc/config.json": '{"a":1}\n',
    "etc/current": { symlink: "config.json" },
    "README.txt": "read me\n",
    ...extra,
  });
  const result = await buildImage({ context, store, platforms, sourceDateEpoch: 1_700_000_000 });
  return result.source;
}

describe("type=local with a Dockerfile build", () => {
  it("writes the final filesystem: files, directories, symlinks, modes", async () => {
    const dest = join(dir, "out");
    const outcome = await runExporter(localExporter, { dest }, await built(), store);
    expect(outcome.response).toEqual({});
    expect(outcome.results).toEqual([]);
    expect(await readFile(join(dest, "app/bin/start"), "utf8")).toBe("#!/bin/sh\necho hi\n");
    expect((await stat(join(dest, "app/bin/start"))).mode & 0o777).toBe(0o755);
    expect(await readFile(join(dest, "app/etc/config.json"), "utf8")).toBe('{"a":1}\n');
    expect((await lstat(join(dest, "app/etc/current"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dest, "app/etc/current"))).toBe("config.json");
    expect(await readFile(join(dest, "app/README.txt"), "utf8")).toBe("read me\n");
    expect((await readdir(dest)).sort()).toEqual(["app"]);
    // Nothing of ours is left next to the destination.
    expect((await readdir(dir)).sort()).toEqual(["ctx-1-0", "out", "store"]);
  });

  it("clamps mtimes to source-date-epoch", async () => {
    const dest = join(dir, "out");
    await runExporter(localExporter, { dest, "source-date-epoch": "1000000" }, await built(), store);
    // The context files were written just now, far after the epoch.
    for (const path of ["app/bin/start", "app/README.txt", "app/etc/config.json"]) {
      expect((await lstat(join(dest, path))).mtimeMs).toBe(1_000_000_000);
    }
    expect((await lstat(join(dest, "app"))).mtimeMs).toBeLessThanOrEqual(1_000_000_000);
  });

  it("splits a multi-platform result into one directory per platform", async () => {
    const dest = join(dir, "out");
    await runExporter(localExporter, { dest }, await built([linuxAmd64, linuxArm64]), store);
    expect((await readdir(dest)).sort()).toEqual(["linux_amd64", "linux_arm64"]);
    expect(await readFile(join(dest, "linux_arm64/app/README.txt"), "utf8")).toBe("read me\n");
    expect((await stat(join(dest, "linux_amd64"))).mode & 0o777).toBe(0o755);
  });

  it("merges platforms with platform-split=false when they agree", async () => {
    const dest = join(dir, "out");
    await runExporter(localExporter, { dest, "platform-split": "false" }, await built([linuxAmd64, linuxArm64]), store);
    expect((await readdir(dest)).sort()).toEqual(["app"]);
    expect(await readFile(join(dest, "app/README.txt"), "utf8")).toBe("read me\n");
  });

  it("splits a single platform on request", async () => {
    const dest = join(dir, "out");
    await runExporter(localExporter, { dest, "platform-split": "true" }, await built(), store);
    expect(await readdir(dest)).toEqual(["linux_amd64"]);
  });
});

describe("type=local with hand-made layers", () => {
  const base = [
    { name: "etc/", type: "directory" as const, mode: 0o750, mtime: new Date(900_000_000_000) },
    { name: "etc/passwd", content: "root:x:0:0\n", mode: 0o640, uid: 1234, gid: 5678, mtime: new Date(800_000_000_000) },
    { name: "etc/hard", type: "link" as const, linkname: "etc/passwd" },
    { name: "etc/rel", type: "symlink" as const, linkname: "passwd" },
    { name: "etc/abs", type: "symlink" as const, linkname: "/etc/shadow-of-the-host" },
    { name: "bin/", type: "directory" as const },
    { name: "bin/tool", content: "v1", mode: 0o4755 },
    { name: "gone/", type: "directory" as const },
    { name: "gone/file", content: "deleted later" },
    { name: "opq/", type: "directory" as const },
    { name: "opq/old", content: "hidden by the opaque dir" },
    { name: "opq/sub/", type: "directory" as const },
    { name: "opq/sub/deep", content: "also hidden" },
    { name: "keep/", type: "directory" as const },
    { name: "keep/a", content: "a" },
  ];
  const upper = [
    { name: ".wh.gone", content: "" },
    { name: "opq/", type: "directory" as const },
    { name: "opq/.wh..wh..opq", content: "" },
    { name: "opq/new", content: "from the upper layer" },
    { name: "etc/passwd", content: "root:x:0:0\nnew:x:1:1\n", mode: 0o644 },
    { name: "keep/.wh.missing", content: "" },
  ];

  it("applies layers in order with whiteouts, opaque dirs, hard links, symlinks, modes, owners, mtimes", async () => {
    const dest = join(dir, "out");
    const source = sourceOf([{ platform: linuxAmd64, layers: [await tarLayer(base), await tarLayer(upper)] }]);
    await runExporter(localExporter, { dest }, source, store);
    expect(await snapshot(dest)).toMatchObject({
      "etc/abs": "symlink -> /etc/shadow-of-the-host",
      "etc/rel": "symlink -> passwd",
    });
    expect((await readdir(dest)).sort()).toEqual(["bin", "etc", "keep", "opq"]);
    expect((await readdir(join(dest, "opq"))).sort()).toEqual(["new"]);
    expect(await readFile(join(dest, "etc/passwd"), "utf8")).toBe("root:x:0:0\nnew:x:1:1\n");
    // The hard link still names the lower layer's file: the upper one is a new file, not a write through the link.
    expect(await readFile(join(dest, "etc/hard"), "utf8")).toBe("root:x:0:0\n");
    const hard = await lstat(join(dest, "etc/hard"));
    expect([hard.mode & 0o7777, hard.uid, hard.gid, hard.mtimeMs, hard.nlink]).toEqual([0o640, 1234, 5678, 800_000_000_000, 1]);
    expect((await lstat(join(dest, "bin/tool"))).mode & 0o7777).toBe(0o4755);
    const etc = await lstat(join(dest, "etc"));
    expect([etc.mode & 0o7777, etc.mtimeMs]).toEqual([0o750, 900_000_000_000]);
    expect(await readFile(join(dest, "keep/a"), "utf8")).toBe("a");
  });

  it("keeps hard links as hard links", async () => {
    const dest = join(dir, "out");
    await runExporter(localExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [await tarLayer(base)] }]), store);
    const [a, b] = await Promise.all([lstat(join(dest, "etc/passwd")), lstat(join(dest, "etc/hard"))]);
    expect(a.ino).toBe(b.ino);
    expect(a.nlink).toBe(2);
  });

  it("clamps later mtimes to the build's SOURCE_DATE_EPOCH and keeps earlier ones", async () => {
    const dest = join(dir, "out");
    const layer = await tarLayer([
      { name: "old", content: "x", mtime: new Date(500_000_000_000) },
      { name: "new", content: "y", mtime: new Date(2_000_000_000_000) },
    ]);
    await runExporter(localExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [layer] }], { sourceDateEpoch: 1_000_000_000 }), store);
    expect((await lstat(join(dest, "old"))).mtimeMs).toBe(500_000_000_000);
    expect((await lstat(join(dest, "new"))).mtimeMs).toBe(1_000_000_000_000);
  });

  it("as a normal user, ownership is left alone without error", async () => {
    const dest = join(dir, "out");
    const exporter = createLocalExporter({ preserveOwnership: false });
    await runExporter(exporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [await tarLayer(base)] }]), store);
    const stats = await lstat(join(dest, "etc/passwd"));
    expect([stats.uid, stats.gid]).toEqual([process.getuid?.(), process.getgid?.()]);
    expect(stats.mode & 0o7777).toBe(0o640);
  });

  it("refuses to merge platforms that disagree on a path, naming it, and leaves dest alone", async () => {
    const dest = join(dir, "out");
    await mkdir(dest);
    await writeFile(join(dest, "before"), "x");
    const before = await snapshot(dest);
    const source = sourceOf([
      { platform: linuxAmd64, layers: [await tarLayer([{ name: "same", content: "s" }, { name: "bin/app", content: "amd64 build" }])] },
      { platform: linuxArm64, layers: [await tarLayer([{ name: "same", content: "s" }, { name: "bin/app", content: "arm64 build" }])] },
    ]);
    const failure = await runExporter(localExporter, { dest, "platform-split": "false" }, source, store).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_LOCAL_CONFLICT", path: "bin/app" });
    expect((failure as Error).message).toMatch(/"bin\/app" differs between linux\/amd64 and linux\/arm64/);
    expect(await snapshot(dest)).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(["out", "store"]);
  });

  it("a different mode is a merge conflict too", async () => {
    const source = sourceOf([
      { platform: linuxAmd64, layers: [await tarLayer([{ name: "run", content: "s", mode: 0o755 }])] },
      { platform: linuxArm64, layers: [await tarLayer([{ name: "run", content: "s", mode: 0o644 }])] },
    ]);
    await expect(runExporter(localExporter, { dest: join(dir, "out"), "platform-split": "false" }, source, store)).rejects.toMatchObject({
      code: "ERR_LOCAL_CONFLICT",
      message: expect.stringMatching(/mode 0755 and 0644/),
    });
  });
});

describe("mode=copy and mode=delete", () => {
  async function withStale(dest: string): Promise<void> {
    await mkdir(join(dest, "stale-dir"), { recursive: true, mode: 0o750 });
    await writeFile(join(dest, "stale-dir/old.txt"), "stale");
    await writeFile(join(dest, "app.txt"), "previous version");
  }
  const layerSpec = [{ name: "app.txt", content: "new version" }, { name: "lib/", type: "directory" as const }, { name: "lib/x", content: "x" }];

  it("mode=copy (the default) keeps files the result does not have and replaces the others", async () => {
    const dest = join(dir, "out");
    await withStale(dest);
    await utimes(join(dest, "stale-dir"), 700_000_000, 700_000_000);
    const stale = await snapshot(join(dest, "stale-dir"));
    await runExporter(localExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [await tarLayer(layerSpec)] }]), store);
    expect(await readFile(join(dest, "stale-dir/old.txt"), "utf8")).toBe("stale");
    // Kept directories keep their own mode and mtime, kept files their bytes and metadata.
    const dirStats = await lstat(join(dest, "stale-dir"));
    expect([dirStats.mode & 0o7777, dirStats.mtimeMs]).toEqual([0o750, 700_000_000_000]);
    expect(await snapshot(join(dest, "stale-dir"))).toEqual(stale);
    expect(await readFile(join(dest, "app.txt"), "utf8")).toBe("new version");
    expect(await readFile(join(dest, "lib/x"), "utf8")).toBe("x");
  });

  it("mode=copy replaces files instead of writing through hard links to them", async () => {
    const dest = join(dir, "out");
    await withStale(dest);
    // Someone else's name for the old file: it must keep the old bytes.
    await link(join(dest, "app.txt"), join(dir, "outside-link"));
    await runExporter(localExporter, { dest, mode: "copy" }, sourceOf([{ platform: linuxAmd64, layers: [await tarLayer(layerSpec)] }]), store);
    expect(await readFile(join(dest, "app.txt"), "utf8")).toBe("new version");
    expect(await readFile(join(dir, "outside-link"), "utf8")).toBe("previous version");
  });

  it("mode=delete removes files the result does not have", async () => {
    const dest = join(dir, "out");
    await withStale(dest);
    await runExporter(localExporter, { dest, mode: "delete" }, sourceOf([{ platform: linuxAmd64, layers: [await tarLayer(layerSpec)] }]), store);
    expect((await readdir(dest)).sort()).toEqual(["app.txt", "lib"]);
  });

  it("mode=delete removes stale files of a multi-platform export too", async () => {
    const dest = join(dir, "out");
    await withStale(dest);
    await mkdir(join(dest, "linux_amd64"));
    await writeFile(join(dest, "linux_amd64/stale"), "stale");
    const layer = await tarLayer(layerSpec);
    const source = sourceOf([
      { platform: linuxAmd64, layers: [layer] },
      { platform: linuxArm64, layers: [layer] },
    ]);
    await runExporter(localExporter, { dest, mode: "delete" }, source, store);
    expect((await readdir(dest)).sort()).toEqual(["linux_amd64", "linux_arm64"]);
    expect((await readdir(join(dest, "linux_amd64"))).sort()).toEqual(["app.txt", "lib"]);
  });

  it("keeps the destination directory's own permissions", async () => {
    const dest = join(dir, "out");
    await mkdir(dest, { mode: 0o750 });
    await runExporter(localExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [await tarLayer(layerSpec)] }]), store);
    expect((await stat(dest)).mode & 0o777).toBe(0o750);
  });
});
