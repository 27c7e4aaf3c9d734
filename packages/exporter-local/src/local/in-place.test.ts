import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { skipUnlessRoot } from "@exp/testing";
import { localExporter } from "../index.js";
import { linuxAmd64, pausingLayer, runExporter, sourceOf, tarLayer, type TarSpec } from "../test-support.js";

// issue 19, point 1: an existing destination is written into, never swapped for a new directory.

let dir: string;
let store: ContentStore;
let dest: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-local-in-place-"));
  store = await openContentStore(join(dir, "store"));
  dest = join(dir, "out");
  await mkdir(dest);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const result: TarSpec[] = [
  { name: "app/", type: "directory", mode: 0o755 },
  { name: "app/main.js", content: "new\n" },
  { name: "README", content: "readme\n" },
];

async function exportInto(target: string, attrs: Record<string, string> = {}, layers?: Awaited<ReturnType<typeof tarLayer>>[]) {
  return runExporter(localExporter, { dest: target, ...attrs }, sourceOf([{ platform: linuxAmd64, layers: layers ?? [await tarLayer(result)] }]), store);
}

/** Every name in the export's parent other than what the test made: leftovers of the export. */
async function leftovers(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !["out", "store", "mnt-src"].includes(name));
}


describe("an existing destination is written in place", () => {
  it("keeps the directory's inode and unrelated files, and replaces what the result names", async () => {
    await writeFile(join(dest, "notes.txt"), "mine\n");
    await mkdir(join(dest, "app"));
    await writeFile(join(dest, "app", "main.js"), "old\n");
    await writeFile(join(dest, "app", "local.cfg"), "mine too\n");
    const before = await stat(dest);
    await exportInto(dest);
    const after = await stat(dest);
    expect([after.ino, after.dev]).toEqual([before.ino, before.dev]);
    expect(await readFile(join(dest, "notes.txt"), "utf8")).toBe("mine\n");
    expect(await readFile(join(dest, "app", "local.cfg"), "utf8")).toBe("mine too\n");
    expect(await readFile(join(dest, "app", "main.js"), "utf8")).toBe("new\n");
    expect(await readFile(join(dest, "README"), "utf8")).toBe("readme\n");
    expect(await leftovers()).toEqual([]);
  });

  it("keeps a file written into the destination while the export runs", async () => {
    const layer = await pausingLayer([...result, { name: "big", content: "z".repeat(200_000) }], 4096, () => writeFile(join(dest, "written-meanwhile"), "by another process\n"));
    await exportInto(dest, {}, [layer]);
    expect(await readFile(join(dest, "written-meanwhile"), "utf8")).toBe("by another process\n");
    expect((await readFile(join(dest, "big"), "utf8")).length).toBe(200_000);
  });

  it("leaves a process working in the destination in it (dest=. of a shell)", async () => {
    const child = spawn("sleep", ["30"], { cwd: dest, stdio: "ignore" });
    try {
      await exportInto(dest);
      expect(await readlink(`/proc/${child.pid}/cwd`)).toBe(dest);
    } finally {
      child.kill();
    }
  });

  it("mode=delete removes what the result does not name, inside the same directory", async () => {
    await writeFile(join(dest, "stale"), "x");
    const before = await stat(dest);
    await exportInto(dest, { mode: "delete" });
    expect((await readdir(dest)).sort()).toEqual(["README", "app"]);
    expect((await stat(dest)).ino).toBe(before.ino);
  });

  describe.skipIf(skipUnlessRoot("mount -t tmpfs"))("with a filesystem mounted inside (tmpfs; mounting needs root)", () => {
    let mnt: string;
    beforeEach(async () => {
      mnt = join(dest, "mnt");
      await mkdir(mnt);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
      await writeFile(join(mnt, "data"), "on the mount\n");
    });
    afterEach(() => {
      execFileSync("umount", [mnt]);
    });

    const deviceOf = async (path: string) => (await stat(path)).dev;

    it("leaves the mount where it is, and writes through it where the result has files there", async () => {
      const mountDevice = await deviceOf(mnt);
      await exportInto(dest, {}, [await tarLayer([...result, { name: "mnt/", type: "directory" }, { name: "mnt/from-image", content: "image\n" }, { name: "mnt/link", type: "symlink", linkname: "from-image" }])]);
      expect(await deviceOf(mnt)).toBe(mountDevice);
      expect(await readFile(join(mnt, "data"), "utf8")).toBe("on the mount\n");
      expect(await readFile(join(mnt, "from-image"), "utf8")).toBe("image\n");
      expect(await readlink(join(mnt, "link"))).toBe("from-image");
      expect((await readdir(mnt)).filter((name) => name.includes(".exp-"))).toEqual([]);
      expect(await leftovers()).toEqual([]);
    });

    it("mode=delete never removes nor empties the mount: it fails naming it, with the mount intact", async () => {
      await expect(exportInto(dest, { mode: "delete" })).rejects.toMatchObject({ code: "ERR_LOCAL_MOUNT_INSIDE", mountPoint: "mnt" });
      expect(await readFile(join(mnt, "data"), "utf8")).toBe("on the mount\n");
      expect(await leftovers()).toEqual([]);
    });
  });
});

describe("a destination that does not exist yet", () => {
  it("appears whole, made beside it and renamed in", async () => {
    const fresh = join(dir, "fresh", "deeper");
    await exportInto(fresh);
    expect((await readdir(fresh)).sort()).toEqual(["README", "app"]);
    expect((await stat(fresh)).mode & 0o777).toBe(0o755);
  });
});
