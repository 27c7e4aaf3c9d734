import { describe, expect, it } from "vitest";
import type { CopyPlan } from "./copy-plan.js";
import { FsIndex } from "./fs-index.js";
import type { FsEntry } from "./fs-source.js";
import { resolveLayerEntries } from "./layer-entry.js";
import { selectCopySources, type SelectCopySourcesOptions } from "./select-copy-sources.js";
import { FileModeChange } from "./symbolic-mode.js";
import { memoryFsSource, type MemoryNode } from "./test-support.js";

// A Debian-like base: usrmerge symlinks, /tmp 1777, a private home, a setgid group directory.
const dir = (path: string, mode = 0o755, uid = 0, gid = 0): FsEntry => ({ path, type: "dir", mode, uid, gid, size: 0, mtimeMs: 5000 });
const link = (path: string, target: string): FsEntry => ({ path, type: "symlink", mode: 0o777, uid: 0, gid: 0, size: 0, mtimeMs: 5000, linkTarget: target });
const file = (path: string): FsEntry => ({ path, type: "file", mode: 0o644, uid: 0, gid: 0, size: 1, mtimeMs: 5000 });
const base = new FsIndex([
  link("bin", "usr/bin"),
  link("lib", "usr/lib"),
  dir("usr"),
  dir("usr/bin"),
  file("usr/bin/sh"),
  dir("usr/lib"),
  dir("usr/local"),
  dir("usr/local/bin"),
  file("usr/local/bin/tool"),
  dir("tmp", 0o1777),
  dir("home"),
  dir("home/app", 0o700, 1000, 1000),
  dir("srv"),
  dir("srv/data", 0o2775, 0, 50),
  dir("etc"),
  file("etc/hostname"),
  link("etc/localtime", "/usr/share/zoneinfo/UTC"),
  link("etc/dangling-dir", "/opt/nowhere"),
]);

const context: Record<string, MemoryNode> = {
  mybin: { file: "bin", mode: 0o755 },
  f: "f",
  "rootfs/usr/bin/extra": "e",
  "rootfs/lib/x.so": "so",
  "tree/sub/a": "a",
  "tree/usr": "not a dir",
  "tree/bin": "replaces the symlink",
  "data/file": "d",
};

type Shape = [to: string, kind: string, mode: string, owner: string];

/** Every entry a layer would hold: path, how it got there (+ created, = kept, copied), mode, owner. */
function shape(plan: CopyPlan, attributes: Parameters<typeof resolveLayerEntries>[1] = {}): Shape[] {
  const roles = new Map(plan.entries.map((e) => [e.to.slice(1), e.implied ? "+" : e.kept ? "=" : e.from.type]));
  return resolveLayerEntries(plan, attributes).map((e) => [e.path, roles.get(e.path) ?? "?", e.mode.toString(8), `${e.uid}:${e.gid}`]);
}

async function onto(sources: string[], dest: string, options: Partial<SelectCopySourcesOptions> = {}): Promise<CopyPlan> {
  return selectCopySources(memoryFsSource(context), sources, dest, { workdir: "/", onto: base, ...options });
}

describe("COPY onto a base, as BuildKit's copier places files", () => {
  it("writes through a usrmerge symlink and leaves the symlink in place", async () => {
    expect(shape(await onto(["mybin"], "/bin/mybin"))).toEqual([
      ["usr", "=", "755", "0:0"],
      ["usr/bin", "=", "755", "0:0"],
      ["usr/bin/mybin", "file", "755", "0:0"],
    ]);
  });

  it("keeps /tmp's sticky mode and a home directory's 0700 and owner, even with --chown", async () => {
    expect(shape(await onto(["f"], "/tmp/f"), { chown: { uid: 7, gid: 7 } })).toEqual([
      ["tmp", "=", "1777", "0:0"],
      ["tmp/f", "file", "644", "7:7"],
    ]);
    expect(shape(await onto(["f"], "/home/app/.profile"), { chown: { uid: 1000, gid: 1000 } })).toEqual([
      ["home", "=", "755", "0:0"],
      ["home/app", "=", "700", "1000:1000"],
      ["home/app/.profile", "file", "644", "1000:1000"],
    ]);
  });

  it("creates only the missing parents, with --chown and the octal --chmod (fsutil#228)", async () => {
    expect(shape(await onto(["f"], "/srv/data/new/deep/f"), { chown: { uid: 9, gid: 9 }, chmod: 0o640 })).toEqual([
      ["srv", "=", "755", "0:0"],
      ["srv/data", "=", "2775", "0:50"],
      ["srv/data/new", "+", "640", "9:9"],
      ["srv/data/new/deep", "+", "640", "9:9"],
      ["srv/data/new/deep/f", "file", "640", "9:9"],
    ]);
    // A symbolic --chmod leaves created parents at 0755 and applies to the copied file's own mode.
    expect(shape(await onto(["mybin"], "/opt/x/mybin"), { chmod: FileModeChange.parse("go-rx") })).toEqual([
      ["opt", "+", "755", "0:0"],
      ["opt/x", "+", "755", "0:0"],
      ["opt/x/mybin", "file", "700", "0:0"],
    ]);
  });

  it("puts a file copied to an existing directory (no trailing slash) inside it, wildcards too", async () => {
    const expected: Shape[] = [
      ["usr", "=", "755", "0:0"],
      ["usr/local", "=", "755", "0:0"],
      ["usr/local/bin", "=", "755", "0:0"],
      ["usr/local/bin/f", "file", "644", "0:0"],
    ];
    expect(shape(await onto(["f"], "/usr/local/bin"))).toEqual(expected);
    expect(shape(await onto(["[f]"], "/usr/local/bin"))).toEqual(expected);
    // Through a symlink to a directory as well.
    expect(shape(await onto(["f"], "/bin")).at(-1)).toEqual(["usr/bin/f", "file", "644", "0:0"]);
  });

  it("writes a file through a final symlink into its target, as RootPath resolves it", async () => {
    expect(shape(await onto(["f"], "/etc/localtime")).map((e) => e[0])).toEqual(["usr", "usr/share", "usr/share/zoneinfo", "usr/share/zoneinfo/UTC"]);
  });

  it("copies a directory's contents into an existing directory, keeping its metadata", async () => {
    expect(shape(await onto(["data"], "/srv/data"))).toEqual([
      ["srv", "=", "755", "0:0"],
      ["srv/data", "=", "2775", "0:50"],
      ["srv/data/file", "file", "644", "0:0"],
    ]);
  });

  it("merges a directory onto /usr, and refuses one over a usrmerge symlink as BuildKit does", async () => {
    expect(shape(await onto(["rootfs/usr"], "/usr")).map((e) => e[0])).toEqual(["usr", "usr/bin", "usr/bin/extra"]);
    await expect(onto(["rootfs"], "/")).rejects.toMatchObject({ code: "ERR_COPY_DIR_ONTO_NON_DIR", path: "/lib" });
    await expect(onto(["rootfs"], "/")).rejects.toThrow(/copy into the directory it points to \("usr\/lib"\)/);
  });

  it("refuses a file over a directory below the copied one, and parents that are files", async () => {
    await expect(onto(["tree"], "/")).rejects.toMatchObject({ code: "ERR_COPY_FILE_ONTO_DIR", path: "/usr" });
    await expect(onto(["f"], "/etc/hostname/x")).rejects.toMatchObject({ code: "ERR_COPY_PARENT_NOT_DIR" });
  });

  it("replaces a symlink with a file below a copied directory (fsutil ensureEmptyFileTarget)", async () => {
    const plan = await selectCopySources(memoryFsSource({ "t/bin": "file" }), ["t"], "/", { workdir: "/", onto: base });
    expect(shape(plan)).toEqual([["bin", "file", "644", "0:0"]]);
  });

  it("creates the target of a dangling directory symlink", async () => {
    expect(shape(await onto(["f"], "/etc/dangling-dir/")).map((e) => e[0])).toEqual(["opt", "opt/nowhere", "opt/nowhere/f"]);
  });

  it("never resolves outside the image: '..' stops at its root", async () => {
    const outside = new FsIndex([link("up", "../../../../etc"), dir("etc")]);
    const plan = await selectCopySources(memoryFsSource(context), ["f"], "/up/f", { workdir: "/", onto: outside });
    expect(plan.entries.map((e) => e.to)).toEqual(["/etc", "/etc/f"]);
  });

  it("places on an empty filesystem without a base, as before", async () => {
    const plan = await selectCopySources(memoryFsSource(context), ["f"], "/bin/f", { workdir: "/" });
    expect(plan.entries.map((e) => [e.to, e.implied ?? false])).toEqual([
      ["/bin", true],
      ["/bin/f", false],
    ]);
  });
});
