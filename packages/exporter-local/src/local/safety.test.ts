import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { AbortedError } from "@exp/errors";
import type { ProgressEvent } from "@exp/solver";
import { localExporter, UnsafePathError } from "../index.js";
import { failingLayer, linuxAmd64, runExporter, snapshot, sourceOf, stallingLayer, tarLayer, type TarSpec } from "../test-support.js";

let dir: string;
let store: ContentStore;
let dest: string;
let outside: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-local-safety-"));
  store = await openContentStore(join(dir, "store"));
  dest = join(dir, "out");
  outside = join(dir, "outside");
  await mkdir(outside);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function exportLayers(layers: TarSpec[][], attrs: Record<string, string> = {}) {
  const source = sourceOf([{ platform: linuxAmd64, layers: await Promise.all(layers.map((l) => tarLayer(l))) }]);
  return runExporter(localExporter, { dest, ...attrs }, source, store);
}

/** A destination from an earlier, successful export, and its snapshot. */
async function previousExport(): Promise<Record<string, string>> {
  await exportLayers([[{ name: "kept/", type: "directory" }, { name: "kept/file", content: "previous" }, { name: "top", content: "top" }]]);
  return snapshot(dest);
}

async function expectNoLeftovers(): Promise<void> {
  const names = (await readdir(dir)).sort();
  expect(names.filter((name) => name !== "outside" && name !== "store" && name !== "out")).toEqual([]);
  expect(await readdir(outside)).toEqual([]);
}

describe("paths that would leave dest", () => {
  it.each([
    ["../evil", "a \"..\" component"],
    ["a/../../evil", "a nested \"..\""],
  ])("refuses %s (%s)", async (name) => {
    const before = await previousExport();
    const failure = await exportLayers([[{ name: "ok", content: "fine" }, { name, content: "pwned" }]]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnsafePathError);
    expect(failure).toMatchObject({ code: "ERR_LOCAL_UNSAFE_PATH", entry: name });
    expect((failure as Error).message).toContain(JSON.stringify(name));
    await expect(lstat(join(dir, "evil"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await snapshot(dest)).toEqual(before);
    await expectNoLeftovers();
  });

  it("refuses an absolute name", async () => {
    const absolute = join(outside, "abs");
    await expect(exportLayers([[{ name: absolute, content: "pwned" }]])).rejects.toMatchObject({ code: "ERR_LOCAL_UNSAFE_PATH", entry: absolute });
    await expectNoLeftovers();
    await expect(lstat(dest)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a hard link whose target is outside the root", async () => {
    await expect(exportLayers([[{ name: "h", type: "link", linkname: "../../etc/passwd" }]])).rejects.toMatchObject({ code: "ERR_LOCAL_UNSAFE_PATH" });
    await expectNoLeftovers();
  });

  it("refuses a whiteout of the parent directory", async () => {
    await expect(exportLayers([[{ name: "a/", type: "directory" }], [{ name: "a/.wh...", content: "" }]])).rejects.toMatchObject({
      code: "ERR_LOCAL_UNSAFE_PATH",
    });
  });
});

describe("symlinks on the way are never followed", () => {
  it("refuses a file below a symlink of the same layer (a -> outside, then a/file)", async () => {
    const before = await previousExport();
    const failure = await exportLayers([[{ name: "a", type: "symlink", linkname: outside }, { name: "a/file", content: "pwned" }]]).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_LOCAL_UNSAFE_PATH", entry: "a/file" });
    expect((failure as Error).message).toMatch(/its parent "a" is a symbolic link/);
    expect(await snapshot(dest)).toEqual(before);
    await expectNoLeftovers();
  });

  it("refuses a file below a symlink of a lower layer, relative targets included", async () => {
    await expect(
      exportLayers([[{ name: "a", type: "symlink", linkname: "../outside" }], [{ name: "a/", type: "directory" }]]),
    ).resolves.toBeDefined(); // a directory entry replaces the symlink: nothing is followed
    await expect(exportLayers([[{ name: "a", type: "symlink", linkname: "../outside" }], [{ name: "a/file", content: "pwned" }]])).rejects.toMatchObject({
      code: "ERR_LOCAL_UNSAFE_PATH",
      entry: "a/file",
    });
    await expectNoLeftovers();
  });

  it("refuses to write below a symlink already in dest (mode=copy)", async () => {
    await mkdir(dest);
    await symlink(outside, join(dest, "a"));
    const before = await snapshot(dest);
    await expect(exportLayers([[{ name: "a/", type: "directory" }, { name: "a/file", content: "pwned" }]])).rejects.toMatchObject({
      code: "ERR_LOCAL_UNSAFE_PATH",
      entry: "a",
    });
    expect(await snapshot(dest)).toEqual(before);
    await expectNoLeftovers();
  });

  it("replaces, never follows, a symlink in dest where the result has a file", async () => {
    await mkdir(dest);
    await writeFile(join(outside, "target"), "outside");
    await symlink(join(outside, "target"), join(dest, "f"));
    await exportLayers([[{ name: "f", content: "inside" }]]);
    expect(await readFile(join(dest, "f"), "utf8")).toBe("inside");
    expect((await lstat(join(dest, "f"))).isFile()).toBe(true);
    expect(await readFile(join(outside, "target"), "utf8")).toBe("outside");
  });

  it("mode=delete drops the old symlink and writes a real directory", async () => {
    await mkdir(dest);
    await symlink(outside, join(dest, "a"));
    await exportLayers([[{ name: "a/file", content: "inside" }]], { mode: "delete" });
    expect((await lstat(join(dest, "a"))).isDirectory()).toBe(true);
    expect(await readdir(outside)).toEqual([]);
  });

  it("writes into the directory dest points to when dest itself is a symlink", async () => {
    const real = join(dir, "real-out");
    await mkdir(real);
    await symlink(real, dest);
    await exportLayers([[{ name: "f", content: "x" }]]);
    expect(await readlink(dest)).toBe(real);
    expect(await readFile(join(real, "f"), "utf8")).toBe("x");
    expect((await readdir(dir)).sort()).toEqual(["out", "outside", "real-out", "store"]);
  });
});

describe("failures leave the previous destination as it was", () => {
  it("a layer whose stream fails midway", async () => {
    const before = await previousExport();
    const big = "x".repeat(64 * 1024);
    const layer = await failingLayer([{ name: "top", content: "new" }, { name: "big", content: big }, { name: "later", content: "never" }], 3000);
    const failure = await runExporter(localExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [layer] }]), store).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_LOCAL_LAYER_READ", diffID: layer.diffID });
    expect((failure as Error).message).toMatch(/connection reset/);
    expect(await snapshot(dest)).toEqual(before);
    await expectNoLeftovers();
  });

  it("an abort while a layer is streaming", async () => {
    const before = await previousExport();
    const controller = new AbortController();
    const layer = await stallingLayer([{ name: "top", content: "new" }, { name: "big", content: "y".repeat(100_000) }], 2048, () => controller.abort(new Error("user pressed ^C")));
    const failure = await runExporter(localExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [layer] }]), store, { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(AbortedError);
    expect(await snapshot(dest)).toEqual(before);
    await expectNoLeftovers();
  });

  it("an abort before the export starts writes nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runExporter(localExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [await tarLayer([{ name: "f", content: "x" }])] }]), store, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
    await expect(lstat(dest)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a hard link to nothing", async () => {
    const before = await previousExport();
    await expect(exportLayers([[{ name: "h", type: "link", linkname: "missing" }]])).rejects.toMatchObject({
      code: "ERR_LOCAL_BAD_HARDLINK",
      entry: "h",
      target: "missing",
    });
    expect(await snapshot(dest)).toEqual(before);
  });

  it("dest that is a file", async () => {
    await writeFile(dest, "a file");
    await expect(exportLayers([[{ name: "f", content: "x" }]])).rejects.toMatchObject({ code: "ERR_LOCAL_DEST_INVALID", dest });
    expect(await readFile(dest, "utf8")).toBe("a file");
  });
});

it("skips device nodes and FIFOs with a warning, and they still hide what was below", async () => {
  const events: ProgressEvent[] = [];
  const layers = [await tarLayer([{ name: "p", content: "lower file" }, { name: "q", content: "q" }]), await tarLayer([{ name: "p", type: "fifo" }])];
  await runExporter(localExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers }]), store, { events });
  expect(await readdir(dest)).toEqual(["q"]);
  expect(events.filter((e) => e.type === "warning").map((e) => (e as { message: string }).message)).toEqual(['linux/amd64: fifo "p" is not exported']);
});
