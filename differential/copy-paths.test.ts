import { createHash } from "node:crypto";
import { describe, it } from "vitest";
import { buildBoth } from "./support/compare.js";
import { at, expectSameAsBuildKit, FROM_BASE, skipDifferential } from "./support/case.js";

// Where COPY puts things on a real Debian base: usrmerge symlinks, existing directories, /tmp,
// links and special files from the context. BuildKit's rules are fsutil's copier
// (/tmp/fsutil/copy/copy.go) driven by dockerfile2llb (convert_copy.go: FollowSymlinks,
// CopyDirContentsOnly, AllowWildcard, CreateDestPath for every local COPY).

const SCRIPT = { content: "#!/bin/sh\necho mybin\n", mode: 0o755 };

describe.skipIf(skipDifferential())("COPY paths on the Debian base", { concurrent: true }, () => {
  it("(1) issue 18: COPY into /bin (a symlink), /tmp, onto the /usr/local/bin directory, then WORKDIR", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "issue-18",
        files: { mybin: SCRIPT, f: "f\n" },
        dockerfile: `${FROM_BASE}COPY mybin /bin/mybin\nCOPY f /tmp/f\nCOPY f /usr/local/bin\nWORKDIR /srv/app\n`,
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    // The destination's parent is resolved in the image (fs.RootPath follows /bin -> usr/bin), so
    // the symlink stays; an existing directory as destination receives the file (prepareTargetDir).
    expect(at(t, "/bin")).toMatchObject({ type: "symlink", target: "usr/bin" });
    expect(at(t, "/usr/bin/mybin")).toMatchObject({ type: "file", mode: 0o755, uid: 0, gid: 0 });
    expect(at(t, "/tmp")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(at(t, "/tmp/f")).toMatchObject({ type: "file", mode: 0o644 });
    expect(at(t, "/usr/local/bin")).toMatchObject({ type: "dir", mode: 0o755 });
    expect(at(t, "/usr/local/bin/f")).toMatchObject({ type: "file", mode: 0o644 });
    expect(at(t, "/srv/app")).toMatchObject({ type: "dir", mode: 0o755, uid: 0, gid: 0 });
    expect(cmp.buildah.container.WorkingDir).toBe("/srv/app");
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(2) usrmerge: COPY into /bin/, /lib/…, /sbin/ lands in /usr and keeps the symlinks", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "usrmerge",
        files: { tool: SCRIPT, "plugin/libp.so": "elf\n", "plugin/sub/data": "d\n", admin: SCRIPT },
        dockerfile: `${FROM_BASE}COPY tool /bin/\nCOPY plugin/ /lib/myapp/\nCOPY admin /sbin/admin\nCOPY tool /lib64/tool\n`,
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    for (const [link, target] of [["/bin", "usr/bin"], ["/lib", "usr/lib"], ["/sbin", "usr/sbin"], ["/lib64", "usr/lib64"]] as const) {
      expect(at(t, link)).toMatchObject({ type: "symlink", target });
    }
    expect(at(t, "/usr/bin/tool")).toMatchObject({ type: "file", mode: 0o755 });
    expect(at(t, "/usr/lib/myapp/libp.so")).toMatchObject({ type: "file" });
    expect(at(t, "/usr/lib/myapp/sub/data")).toMatchObject({ type: "file" });
    expect(at(t, "/usr/sbin/admin")).toMatchObject({ type: "file", mode: 0o755 });
    expect(at(t, "/usr/lib64/tool")).toMatchObject({ type: "file", mode: 0o755 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(3) /tmp and /var/tmp keep 1777 after COPY into them (file, and a directory's contents)", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "tmp-sticky",
        files: { f: "f\n", "scratch/a": "a\n", "scratch/d/b": "b\n" },
        dockerfile: `${FROM_BASE}COPY f /tmp/f\nCOPY scratch/ /tmp/\nCOPY f /var/tmp/\nCOPY scratch /var/tmp\n`,
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    // The destination directory of a directory copy exists: its metadata is kept
    // (copy.go: copyDirectory -> copyDirectoryOnly with overwriteTargetMetadata=false at the top).
    expect(at(t, "/tmp")).toMatchObject({ type: "dir", mode: 0o1777, uid: 0, gid: 0 });
    expect(at(t, "/var/tmp")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(at(t, "/tmp/a")).toMatchObject({ type: "file" });
    expect(at(t, "/tmp/d/b")).toMatchObject({ type: "file" });
    expect(at(t, "/var/tmp/a")).toMatchObject({ type: "file" });
    expect(at(t, "/var/tmp/f")).toMatchObject({ type: "file" });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(6) a file COPY to an existing directory without a trailing slash goes inside; so does a one-match wildcard; a new path is a file", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "existing-dir",
        files: { "app.conf": "conf\n", "only-1.txt": "one\n" },
        dockerfile: `${FROM_BASE}COPY app.conf /etc\nCOPY only-*.txt /opt\nCOPY only-*.txt /srv/renamed.txt\n`,
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    expect(at(t, "/etc")).toMatchObject({ type: "dir", mode: 0o755 });
    expect(at(t, "/etc/app.conf")).toMatchObject({ type: "file", mode: 0o644 });
    expect(at(t, "/opt")).toMatchObject({ type: "dir" });
    expect(at(t, "/opt/only-1.txt")).toMatchObject({ type: "file" });
    expect(at(t, "/srv/renamed.txt")).toMatchObject({ type: "file" });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(17) hard links in a copied directory stay hard links", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "hardlinks",
        files: { "tree/a": "shared content\n", "tree/b": { hardlink: "tree/a" }, "tree/sub/c": { hardlink: "tree/a" }, "tree/other": "other\n" },
        dockerfile: `${FROM_BASE}COPY tree/ /opt/tree/\n`,
      },
      { onTestFinished, signal },
    );
    // One copier per source keeps an inode map (copy.go getLinkSource): links within it are kept.
    expect(at(cmp.buildah.tree, "/opt/tree/a")?.links).toEqual(["/opt/tree/a", "/opt/tree/b", "/opt/tree/sub/c"]);
    expect(at(cmp.buildah.tree, "/opt/tree/other")?.links).toBeUndefined();
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(18) symlinks: inside a copied directory they are copied as links; a symlink named as the source is followed", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "symlinks",
        files: {
          "tree/real": { content: "real\n", mode: 0o640 },
          "tree/rel": { symlink: "real" },
          "tree/abs": { symlink: "/etc/os-release" },
          "tree/dangling": { symlink: "../nowhere" },
          "tree/dirlink": { symlink: "." },
          top: { symlink: "tree/real" },
        },
        dockerfile: `${FROM_BASE}COPY tree/ /opt/tree/\nCOPY top /opt/top\n`,
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    expect(at(t, "/opt/tree/rel")).toMatchObject({ type: "symlink", target: "real" });
    expect(at(t, "/opt/tree/abs")).toMatchObject({ type: "symlink", target: "/etc/os-release" });
    expect(at(t, "/opt/tree/dangling")).toMatchObject({ type: "symlink", target: "../nowhere" });
    expect(at(t, "/opt/tree/dirlink")).toMatchObject({ type: "symlink", target: "." });
    // convert_copy.go sets FollowSymlinks for local sources: the named source is resolved
    // (copy.go rootPath(srcRoot, src, FollowLinks)), so /opt/top is the file, with its mode.
    expect(at(t, "/opt/top")).toMatchObject({ type: "file", mode: 0o640 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(13) a FIFO in the context is recreated in the image, with its mode", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "fifo",
        files: { pipe: { fifo: true, mode: 0o620 }, "dir/pipe2": { fifo: true, mode: 0o600 } },
        dockerfile: `${FROM_BASE}COPY pipe /opt/pipe\nCOPY dir/ /opt/dir/\n`,
        // buildah 1.28 takes a new destination for a FIFO source as a directory and puts the FIFO
        // inside (/opt/pipe/pipe). BuildKit: a non-directory source onto a missing destination is
        // created at the destination itself (copy.go prepareTargetDir, then copyDevice).
        buildahDeviations: [
          { path: "/opt/pipe", buildkit: { type: "fifo", mode: 0o620 }, because: "copy.go prepareTargetDir + copyDevice: the FIFO is made at the destination path" },
          { path: "/opt/pipe/pipe", buildkit: null, because: "BuildKit makes no directory for a FIFO source" },
        ],
      },
      { onTestFinished, signal },
    );
    // fsutil sends a FIFO's header; the receiver and the copier mknod it (copy.go copyDevice).
    expect(at(cmp.buildah.tree, "/opt/pipe")).toMatchObject({ type: "fifo", mode: 0o620 });
    expect(at(cmp.buildah.tree, "/opt/dir/pipe2")).toMatchObject({ type: "fifo", mode: 0o600 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("a COPY over an existing file replaces it: content, mode and owner are the source's (/etc/gshadow 0640 root:shadow becomes 0644 root)", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "overwrite-file",
        files: { gshadow: "root:*::\n", issue: { content: "Welcome\n", mode: 0o600 } },
        dockerfile: `${FROM_BASE}COPY gshadow /etc/gshadow\nCOPY issue /etc/\n`,
      },
      { onTestFinished, signal },
    );
    // copy.go: ensureEmptyFileTarget removes the old file, copyFile writes a new one, copyFileInfo
    // gives it the source's owner (0:0 from the context) and mode.
    expect(at(cmp.buildah.tree, "/etc/gshadow")).toMatchObject({ type: "file", mode: 0o644, uid: 0, gid: 0, size: 9 });
    expect(at(cmp.buildah.tree, "/etc/issue")).toMatchObject({ type: "file", mode: 0o600, size: 8 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("a COPY onto a symlink of the image writes through it (the whole destination path is resolved in the image)", async ({ expect, onTestFinished, signal }) => {
    const content = 'PRETTY_NAME="exp test"\n';
    // copy.go Copy: dst = fs.RootPath(dstRoot, dst), and continuity's RootPath (fs/path.go
    // walkLinks) follows symlinks in every component, the last one too: /etc/os-release ->
    // ../usr/lib/os-release stays, and its target is replaced. buildah 1.28 replaces the symlink.
    const because = "fsutil copy.go Copy resolves the destination with continuity fs.RootPath, which follows the last component's symlink; buildah 1.28 replaces the symlink with the file";
    const cmp = await buildBoth(
      {
        name: "onto-symlink",
        files: { "os-release": content },
        dockerfile: `${FROM_BASE}COPY os-release /etc/os-release\n`,
        buildahDeviations: [
          { path: "/etc/os-release", buildkit: { type: "symlink", mode: 0o777, uid: 0, gid: 0, target: "../usr/lib/os-release", xattrs: {} }, because },
          {
            path: "/usr/lib/os-release",
            buildkit: { type: "file", mode: 0o644, uid: 0, gid: 0, size: content.length, sha256: createHash("sha256").update(content).digest("hex"), xattrs: {} },
            because,
          },
        ],
      },
      { onTestFinished, signal },
    );
    expect(at(cmp.buildah.tree, "/usr/lib")).toMatchObject({ type: "dir", mode: 0o755 });
    await expectSameAsBuildKit(expect, cmp);
  });
});
