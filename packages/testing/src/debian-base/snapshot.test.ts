import { execFileSync } from "node:child_process";
import { chmod, chown, link, mkdir, readFile, rm, symlink, unlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../temp-dir.js";
import { skipUnlessRoot } from "../prerequisites.js";
import { skipUnlessTools } from "../tools.js";
import { diffTrees, formatDifferences } from "./diff.js";
import { snapshotTree } from "./snapshot.js";
import type { TreeSnapshot } from "./tree.js";

// snapshotTree/diffTrees are what the differential suite trusts to say "exp's image is the same as
// buildah's": each test below breaks one field of a tree and requires exactly that difference.
// Owners, device nodes and security.capability need root (CI runs as root).
const run = (tool: string, ...args: string[]): void => {
  execFileSync(tool, args, { stdio: ["ignore", "pipe", "pipe"] });
};
// security.capability for cap_net_bind_service=ep (VFS_CAP_REVISION_2), as setcap writes it.
const CAP_NET_BIND = "0x0000000200040000000000000000000000000000";
const BIG_MTIME = new Date(1_600_000_000_000);

/** A small tree with one of everything snapshotTree describes. */
async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, "etc"), { recursive: true });
  await mkdir(join(root, "tmp"));
  await chmod(join(root, "tmp"), 0o1777);
  await mkdir(join(root, "srv/app"), { recursive: true });
  await chown(join(root, "srv/app"), 65534, 65534);
  await writeFile(join(root, "etc/hosts"), "127.0.0.1 localhost\n");
  await writeFile(join(root, "srv/app/run"), "#!/bin/sh\n");
  await chmod(join(root, "srv/app/run"), 0o4755);
  await writeFile(join(root, "srv/app/grp"), "g\n");
  await chmod(join(root, "srv/app/grp"), 0o2755);
  await writeFile(join(root, "big"), Buffer.alloc(100_000, 7));
  // A whole second, so a test can set exactly this mtime again (Date has no nanoseconds).
  await utimes(join(root, "big"), BIG_MTIME, BIG_MTIME);
  await symlink("etc/hosts", join(root, "hosts-link"));
  await writeFile(join(root, "a1"), "linked\n");
  await link(join(root, "a1"), join(root, "a2"));
  run("mkfifo", join(root, "fifo"));
  run("mknod", join(root, "null"), "c", "1", "3");
  await writeFile(join(root, "cap"), "x");
  run("setfattr", "-n", "security.capability", "-v", CAP_NET_BIND, join(root, "cap"));
  run("setfattr", "-n", "user.note", "-v", "hello", join(root, "etc/hosts"));
}

describe.skipIf(skipUnlessTools("getfattr", "setfattr", "mkfifo", "mknod") || skipUnlessRoot("mknod and chown to other owners"))("snapshotTree + diffTrees", () => {
  let dir: TempDir;
  let a: string;
  let snapA: TreeSnapshot;
  let n = 0;
  beforeAll(async () => {
    dir = await tempDir("exp-snapshot-test-");
    a = join(dir.path, "a");
    await makeTree(a);
    snapA = await snapshotTree(a);
  });
  afterAll(() => dir?.cleanup());

  /** A copy of tree a (cp -a keeps owners, modes, links, xattrs and mtimes) broken by `breakIt`. */
  async function broken(breakIt: (root: string) => Promise<unknown> | void): Promise<string> {
    const b = join(dir.path, `b${n++}`);
    run("cp", "-a", a, b);
    await breakIt(b);
    return formatDifferences(diffTrees(snapA, await snapshotTree(b, { baseline: snapA })));
  }

  it("describes every kind of entry", () => {
    const e = (p: string) => snapA.entries.get(p)!;
    expect(e("/")).toMatchObject({ type: "dir" });
    expect(e("/tmp")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(e("/srv/app")).toMatchObject({ type: "dir", mode: 0o755, uid: 65534, gid: 65534 });
    expect(e("/srv/app/run")).toMatchObject({ type: "file", mode: 0o4755, size: 10 });
    expect(e("/srv/app/grp")).toMatchObject({ mode: 0o2755 });
    expect(e("/etc/hosts")).toMatchObject({ type: "file", sha256: expect.stringMatching(/^[0-9a-f]{64}$/), xattrs: { "user.note": "0x68656c6c6f" } });
    expect(e("/hosts-link")).toMatchObject({ type: "symlink", target: "etc/hosts" });
    expect(e("/a1").links).toEqual(["/a1", "/a2"]);
    expect(e("/a2").links).toEqual(["/a1", "/a2"]);
    expect(e("/fifo")).toMatchObject({ type: "fifo" });
    expect(e("/null")).toMatchObject({ type: "char", rdev: "1:3" });
    expect(e("/cap").xattrs).toEqual({ "security.capability": CAP_NET_BIND });
  });

  it("hashes content (sha256 of the bytes)", async () => {
    const { createHash } = await import("node:crypto");
    const want = createHash("sha256").update(await readFile(join(a, "big"))).digest("hex");
    expect(snapA.entries.get("/big")!.sha256).toBe(want);
  });

  it("finds nothing in an identical copy", async () => {
    expect(await broken(async () => {})).toBe("");
  });

  it("does not compare mtimes", async () => {
    expect(await broken((b) => utimes(join(b, "srv"), new Date(0), new Date(0)))).toBe("");
  });

  it.each<[string, (root: string) => Promise<unknown> | void, string]>([
    ["a path only in one tree", async (b: string) => writeFile(join(b, "srv/new"), "n"), "/srv/new: presence absent != file 0644 0:0 sha256:"],
    ["a removed path", async (b: string) => unlink(join(b, "fifo")), "/fifo: presence fifo 0644 0:0 != absent"],
    ["type", async (b: string) => (await unlink(join(b, "fifo")), writeFile(join(b, "fifo"), "")), "/fifo: type fifo 0644 0:0 != file 0644 0:0"],
    ["mode", async (b: string) => chmod(join(b, "etc/hosts"), 0o600), "/etc/hosts: mode 0644 != 0600"],
    ["setuid", async (b: string) => chmod(join(b, "srv/app/run"), 0o755), "/srv/app/run: mode 4755 != 0755"],
    ["setgid", async (b: string) => chmod(join(b, "srv/app/grp"), 0o755), "/srv/app/grp: mode 2755 != 0755"],
    ["sticky", async (b: string) => chmod(join(b, "tmp"), 0o777), "/tmp: mode 1777 != 0777"],
    ["uid", async (b: string) => chown(join(b, "srv/app"), 1000, 65534), "/srv/app: uid 65534 != 1000"],
    ["gid", async (b: string) => chown(join(b, "srv/app"), 65534, 0), "/srv/app: gid 65534 != 0"],
    ["symlink target", async (b: string) => (await unlink(join(b, "hosts-link")), symlink("/etc/hosts", join(b, "hosts-link"))), "/hosts-link: target etc/hosts != /etc/hosts"],
    ["device numbers", async (b: string) => (await unlink(join(b, "null")), run("mknod", join(b, "null"), "c", "1", "5")), "/null: rdev 1:3 != 1:5"],
    ["xattr value", async (b: string) => run("setfattr", "-n", "user.note", "-v", "bye", join(b, "etc/hosts")), "/etc/hosts: xattr user.note 0x68656c6c6f != 0x627965"],
    ["xattr added", async (b: string) => run("setfattr", "-n", "user.more", "-v", "1", join(b, "big")), "/big: xattr user.more none != 0x31"],
    ["security.capability removed", async (b: string) => run("setfattr", "-x", "security.capability", join(b, "cap")), `/cap: xattr security.capability ${CAP_NET_BIND} != none`],
  ])("detects %s", async (_name, breakIt, want) => {
    const found = await broken(breakIt);
    expect(found.split("\n")).toHaveLength(1);
    expect(found.startsWith(want)).toBe(true);
  });

  it("detects a hard link broken into two files with the same content", async () => {
    const found = await broken(async (b) => {
      await unlink(join(b, "a2"));
      run("cp", "-p", join(b, "a1"), join(b, "a2"));
    });
    expect(found).toBe("/a1: links /a1 /a2 != none\n/a2: links /a1 /a2 != none");
  });

  it("detects files hard-linked that were separate", async () => {
    const found = await broken(async (b) => {
      await rm(join(b, "srv/app/grp"));
      await link(join(b, "srv/app/run"), join(b, "srv/app/grp"));
    });
    expect(found.split("\n")).toEqual([
      expect.stringMatching(/^\/srv\/app\/grp: mode 2755 != 4755$/),
      expect.stringMatching(/^\/srv\/app\/grp: content sha256:\w+…\(2 B\) != sha256:\w+…\(10 B\)$/),
      "/srv/app/grp: links none != /srv/app/grp /srv/app/run",
      "/srv/app/run: links none != /srv/app/grp /srv/app/run",
    ]);
  });

  it("lists a few paths below a directory the other side lacks, and sums up many", async () => {
    const few = await broken(async (b) => {
      await rm(join(b, "srv"), { recursive: true });
      await writeFile(join(b, "srv"), "now a file\n");
    });
    expect(few.split("\n")).toEqual([
      expect.stringMatching(/^\/srv: type dir 0755 0:0 != file 0644 0:0 sha256:\w+…\(11 B\)$/),
      "/srv/app: presence dir 0755 65534:65534 != absent",
      expect.stringMatching(/^\/srv\/app\/grp: presence file 2755 0:0 sha256:\w+…\(2 B\) != absent$/),
      expect.stringMatching(/^\/srv\/app\/run: presence file 4755 0:0 sha256:\w+…\(10 B\) != absent$/),
    ]);
    const many = await broken(async (b) => {
      await rm(join(b, "big"));
      await mkdir(join(b, "big/sub"), { recursive: true });
      for (const name of ["1", "2", "3", "sub/4"]) await writeFile(join(b, "big", name), name);
    });
    expect(many.split("\n")).toEqual([expect.stringMatching(/^\/big: type file 0644 0:0 sha256:\w+…\(100000 B\) != dir 0755 0:0$/), "/big/…: presence absent != 5 paths"]);
  });

  it("detects a content change with the same size (new mtime)", async () => {
    const found = await broken((b) => writeFile(join(b, "etc/hosts"), "127.0.0.2 localhost\n"));
    expect(found).toMatch(/^\/etc\/hosts: content sha256:\w+…\(20 B\) != sha256:\w+…\(20 B\)$/);
  });

  it("takes unchanged files' hashes from the baseline (same size and mtime are not read again)", async () => {
    // The proof that the baseline is used: content changed behind an unchanged size and mtime goes
    // unseen with the baseline and is seen without it.
    const b = join(dir.path, `b${n++}`);
    run("cp", "-a", a, b);
    await writeFile(join(b, "big"), Buffer.alloc(100_000, 8));
    await utimes(join(b, "big"), BIG_MTIME, BIG_MTIME);
    expect(diffTrees(snapA, await snapshotTree(b, { baseline: snapA }))).toEqual([]);
    expect(formatDifferences(diffTrees(snapA, await snapshotTree(b)))).toMatch(/^\/big: content /);
  });
});
