import { describe, it } from "vitest";
import { buildBoth } from "./support/compare.js";
import { at, expectSameAsBuildKit, FROM_BASE, skipDifferential } from "./support/case.js";

// Owners and modes: of copied files (--chown, --chmod, names from the image's /etc/passwd and
// /etc/group), of the directories COPY and WORKDIR create, and of the existing ones they must leave
// alone. BuildKit: dockerfile2llb/convert_copy.go -> client/llb/fileop.go WithUser ->
// solver/llbsolver/ops/user_linux.go readUser -> fsutil copy.go (MkdirAll for created parents,
// copyFileInfo: chown, then chmod, then xattrs).

describe.skipIf(skipDifferential())("owners and modes on the Debian base", { concurrent: true }, () => {
  it("(4) a COPY into /root (0700) leaves /root as it is", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "root-home",
        files: { x: "x\n", "dotfiles/.profile": "export A=1\n", "dotfiles/.config/app.toml": "k = 1\n" },
        dockerfile: `${FROM_BASE}COPY x /root/x\nCOPY dotfiles/ /root/\n`,
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    expect(at(t, "/root")).toMatchObject({ type: "dir", mode: 0o700, uid: 0, gid: 0 });
    expect(at(t, "/root/x")).toMatchObject({ type: "file", mode: 0o644, uid: 0, gid: 0 });
    expect(at(t, "/root/.config/app.toml")).toMatchObject({ type: "file" });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(5) --chown with names from the image's passwd/group; new parents get the owner, existing ones keep theirs", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "chown-names",
        files: { f: "f\n", "dir/a": "a\n", "dir/sub/b": "b\n" },
        dockerfile: `${FROM_BASE}COPY --chown=nobody:nogroup f /var/lib/x/f\nCOPY --chown=_apt f /var/cache/apt/f2\nCOPY --chown=nobody dir/ /srv/d/\n`,
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    // Created parents are made by MkdirAll with the same chowner (copy.go Copy -> MkdirAll(…, ci.Chown)).
    expect(at(t, "/var/lib/x")).toMatchObject({ type: "dir", mode: 0o755, uid: 65534, gid: 65534 });
    expect(at(t, "/var/lib/x/f")).toMatchObject({ uid: 65534, gid: 65534 });
    expect(at(t, "/var/lib")).toMatchObject({ type: "dir", mode: 0o755, uid: 0, gid: 0 });
    // A user name alone takes the user's primary group from /etc/passwd (_apt: 42:65534).
    expect(at(t, "/var/cache/apt/f2")).toMatchObject({ uid: 42, gid: 65534 });
    expect(at(t, "/var/cache/apt")).toMatchObject({ type: "dir", mode: 0o755, uid: 0, gid: 0 });
    expect(at(t, "/srv/d")).toMatchObject({ type: "dir", uid: 65534, gid: 65534 });
    expect(at(t, "/srv/d/sub")).toMatchObject({ type: "dir", uid: 65534, gid: 65534 });
    expect(at(t, "/srv/d/sub/b")).toMatchObject({ uid: 65534, gid: 65534 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(7) WORKDIR creates its directory owned by USER; COPY --from a WORKDIR-made directory works", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "workdir-user",
        files: { f: "f\n" },
        dockerfile:
          "ARG BASE\nFROM ${BASE} AS s1\nUSER nobody\nWORKDIR /srv/w/deep\nCOPY f ./f\n" +
          "FROM ${BASE}\nCOPY --from=s1 /srv/w /workdir\nUSER nobody\nWORKDIR /srv/final\n",
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    // dispatchWorkdir: Mkdir(wd, 0755, WithParents, WithUser(USER)) -> MkdirAll chowns what it creates.
    expect(at(t, "/srv/final")).toMatchObject({ type: "dir", mode: 0o755, uid: 65534, gid: 65534 });
    // COPY --from keeps the source's owners (no --chown: the chowner returns the old owner), and
    // the copied directory's children are created with their source metadata.
    expect(at(t, "/workdir/deep")).toMatchObject({ type: "dir", mode: 0o755, uid: 65534, gid: 65534 });
    // COPY ignores USER: the file is root's.
    expect(at(t, "/workdir/deep/f")).toMatchObject({ type: "file", uid: 0, gid: 0 });
    expect(cmp.buildah.container).toMatchObject({ User: "nobody", WorkingDir: "/srv/final" });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(11a) --chown forms: root:root, :group, user: (BuildKit: gid 0), numeric ids", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "chown-forms",
        files: { f: "f\n" },
        dockerfile:
          FROM_BASE +
          "COPY --chown=root:root f /o/rr\nCOPY --chown=:nogroup f /o/group-only\nCOPY --chown=nobody: f /o/user-colon\n" +
          "COPY --chown=1234 f /o/num\nCOPY --chown=1234:5678 f /o/numnum\nCOPY --chown=nobody:5678 f /o/name-num\n",
        buildahDeviations: [
          {
            path: "/o/user-colon",
            buildkit: { gid: 0 },
            because:
              'BuildKit: llb.WithUser("nobody:") makes the empty group part UserOpt{Name: ""}, marshalled as ByID 0 ' +
              "(client/llb/fileop.go UserOpt.marshal), so the group is 0; buildah 1.28 gives nobody's primary group",
          },
        ],
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    expect(at(t, "/o/rr")).toMatchObject({ uid: 0, gid: 0 });
    // llb.WithUser(":nogroup"): the empty user part is marshalled as ByID 0 (fileop.go UserOpt.marshal),
    // so uid 0; the group is looked up in /etc/group.
    expect(at(t, "/o/group-only")).toMatchObject({ uid: 0, gid: 65534 });
    // A numeric user alone is both ids (user_linux.go readUser: UserOpt_ByID sets UID and GID).
    expect(at(t, "/o/user-colon")).toMatchObject({ uid: 65534 });
    expect(at(t, "/o/num")).toMatchObject({ uid: 1234, gid: 1234 });
    expect(at(t, "/o/numnum")).toMatchObject({ uid: 1234, gid: 5678 });
    expect(at(t, "/o/name-num")).toMatchObject({ uid: 65534, gid: 5678 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(11b) --chmod: octal, and symbolic (+x, u=rwX,go=rX, go-rwx; Dockerfile 1.14)", async ({ expect, onTestFinished, signal }) => {
    const files = { f: "f\n", x: { content: "#!/bin/sh\n", mode: 0o700 }, "tree/plain": "p\n", "tree/exec": { content: "#!/bin/sh\n", mode: 0o700 }, "tree/sub/deep": "d\n" };
    const cmp = await buildBoth(
      {
        name: "chmod-forms",
        files,
        dockerfile: FROM_BASE + "COPY --chmod=0600 f /etc/oct\nCOPY --chmod=+x f /o/plusx\nCOPY --chmod=u=rwX,go=rX tree/ /o/tree/\nCOPY --chmod=go-rwx x /o/x\n",
        // buildah 1.28 only takes octal --chmod ("Error parsing chmod +x"). Symbolic modes are
        // applied to each source's own mode with umask 0 (fsutil copy.go: mode.ParseWithUmask(ModeStr, 0),
        // then copyFileInfo: modeSet.Apply(fi.Mode())), and X adds x only to directories and to files
        // with an x bit; parents are made 0755 (Mode is unset for a ModeStr). So buildah builds the
        // octal result of each file, one COPY each.
        buildahDockerfile:
          FROM_BASE +
          "COPY --chmod=0600 f /etc/oct\nCOPY --chmod=0755 f /o/plusx\nCOPY --chmod=0644 tree/plain /o/tree/plain\n" +
          "COPY --chmod=0755 tree/exec /o/tree/exec\nCOPY --chmod=0644 tree/sub/deep /o/tree/sub/deep\nCOPY --chmod=0700 x /o/x\n",
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    expect(at(t, "/etc/oct")).toMatchObject({ mode: 0o600 });
    expect(at(t, "/o/plusx")).toMatchObject({ mode: 0o755 });
    expect(at(t, "/o/tree/plain")).toMatchObject({ mode: 0o644 });
    expect(at(t, "/o/tree/exec")).toMatchObject({ mode: 0o755 });
    expect(at(t, "/o/tree/sub")).toMatchObject({ type: "dir", mode: 0o755 });
    expect(at(t, "/o/tree/sub/deep")).toMatchObject({ mode: 0o644 });
    expect(at(t, "/o/x")).toMatchObject({ mode: 0o700 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(11c) --chmod=0750 onto a new path: BuildKit makes the created parent directories 0750 too", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "chmod-parents",
        files: { f: "f\n" },
        dockerfile: FROM_BASE + "COPY --chmod=0750 f /p/new/dir/f\nCOPY --chmod=0640 f /etc/existing-parent-f\n",
        buildahDeviations: ["/p", "/p/new", "/p/new/dir"].map((path) => ({
          path,
          buildkit: { mode: 0o750 },
          because: "fsutil copy.go Copy: MkdirAll(ensureDstPath, perm = *ci.Mode when --chmod is octal); buildah 1.28 makes them 0755",
        })),
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    expect(at(t, "/p/new/dir/f")).toMatchObject({ mode: 0o750 });
    expect(at(t, "/etc")).toMatchObject({ mode: 0o755 });
    expect(at(t, "/etc/existing-parent-f")).toMatchObject({ mode: 0o640 });
    await expectSameAsBuildKit(expect, cmp);
  });
});
