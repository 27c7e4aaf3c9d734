import { describe, it } from "vitest";
import { buildBoth } from "./support/compare.js";
import { at, expectSameAsBuildKit, FROM_BASE, skipDifferential } from "./support/case.js";

// What travels with a file besides its bytes (special mode bits, extended attributes), and the
// image config a container sees (Env order, Entrypoint/Cmd, SHELL, variable expansion).

// security.capability for cap_net_bind_service=ep (VFS_CAP_REVISION_2 with the effective flag), as setcap writes it.
const CAP_NET_BIND_EP = "0x0100000200040000000000000000000000000000";

describe.skipIf(skipDifferential())("file metadata and image config on the Debian base", { concurrent: true }, () => {
  it("(9) extended attributes: security.capability is kept (also under --chown), user.* ones are not", async ({ expect, onTestFinished, signal }) => {
    // BuildKit copies every xattr of the context into the build's tree (fsutil stat_unix.go
    // loadXattr skips only com.apple.*; copy.go sets them after the chown), but the layer is written
    // by containerd's archive ChangeWriter (vendor/github.com/containerd/containerd/v2/pkg/archive/tar.go
    // HandleChange), which records security.capability and no other xattr. buildah 1.28 keeps user.*.
    const because = "containerd archive/tar.go ChangeWriter.HandleChange writes only SCHILY.xattr.security.capability into BuildKit's layers; buildah 1.28 keeps user.* too";
    const cmp = await buildBoth(
      {
        name: "xattrs",
        files: {
          capbin: { content: "#!/bin/sh\n", mode: 0o755, xattrs: { "security.capability": CAP_NET_BIND_EP, "user.note": "hello" } },
          "tree/f": { content: "f\n", xattrs: { "user.kind": "data" } },
        },
        dockerfile: `${FROM_BASE}COPY capbin /usr/local/bin/capbin\nCOPY --chown=nobody:nogroup capbin /usr/local/bin/capbin-nobody\nCOPY tree/ /opt/tree/\n`,
        buildahDeviations: [
          { path: "/usr/local/bin/capbin", buildkit: { xattrs: { "security.capability": CAP_NET_BIND_EP } }, because },
          { path: "/usr/local/bin/capbin-nobody", buildkit: { xattrs: { "security.capability": CAP_NET_BIND_EP } }, because },
          { path: "/opt/tree/f", buildkit: { xattrs: {} }, because },
        ],
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    // The capability survives the chown: the copier sets xattrs after chown, which clears it.
    expect(at(t, "/usr/local/bin/capbin-nobody")).toMatchObject({ uid: 65534, xattrs: { "security.capability": CAP_NET_BIND_EP } });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(16) setuid, setgid and sticky bits of context files are kept (also under --chown)", async ({ expect, onTestFinished, signal }) => {
    // buildah 1.28 strips setuid/setgid on COPY; BuildKit keeps the source mode (copy.go
    // copyFileInfo: os.Chmod(name, fi.Mode()) after the chown, which would have cleared them).
    const because = "BuildKit keeps setuid/setgid (fsutil copy.go copyFileInfo chmods with the source mode after chown); buildah 1.28 strips them";
    const cmp = await buildBoth(
      {
        name: "special-bits",
        files: {
          suid: { content: "#!/bin/sh\n", mode: 0o4755 },
          sgid: { content: "#!/bin/sh\n", mode: 0o2755 },
          "tree/shared": { dir: true, mode: 0o1777 },
          "tree/both": { content: "#!/bin/sh\n", mode: 0o6750 },
        },
        dockerfile: `${FROM_BASE}COPY suid /usr/local/bin/suid\nCOPY sgid /usr/local/bin/sgid\nCOPY tree/ /srv/tree/\nCOPY --chown=nobody:nogroup suid /usr/local/bin/suid-nobody\n`,
        buildahDeviations: [
          { path: "/usr/local/bin/suid", buildkit: { mode: 0o4755 }, because },
          { path: "/usr/local/bin/sgid", buildkit: { mode: 0o2755 }, because },
          { path: "/srv/tree/both", buildkit: { mode: 0o6750 }, because },
          { path: "/usr/local/bin/suid-nobody", buildkit: { mode: 0o4755 }, because },
        ],
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    expect(at(t, "/srv/tree/shared")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(at(t, "/usr/local/bin/suid-nobody")).toMatchObject({ uid: 65534, gid: 65534 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(12) ENV: re-setting a variable keeps its position in Env", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "env-order",
        files: {},
        dockerfile: `${FROM_BASE}ENV A=1 B=2\nENV C=3\nENV A=4\nENV PATH=/opt/bin:$PATH\n`,
        buildahConfigDeviations: [
          {
            field: "Env",
            buildkit: ["PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=4", "B=2", "C=3"],
            because: "BuildKit's dispatchEnv -> addEnv replaces an existing variable in place (dockerfile2llb/convert.go); buildah 1.28 moves a re-set variable to the end",
          },
        ],
      },
      { onTestFinished, signal },
    );
    await expectSameAsBuildKit(expect, cmp);
  });

  it("config a container sees: ENTRYPOINT clears the inherited CMD, EXPOSE, VOLUME, LABEL, STOPSIGNAL, USER", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "config-fields",
        files: {},
        dockerfile:
          FROM_BASE +
          'ENTRYPOINT ["/bin/echo", "hi"]\nEXPOSE 80 443/udp 8080/tcp\nVOLUME /data\nVOLUME ["/cache"]\nLABEL org.example.a=b "with space"="v 1"\n' +
          "STOPSIGNAL SIGQUIT\nUSER 1000:1000\nWORKDIR relative\n",
      },
      { onTestFinished, signal },
    );
    // dispatchEntrypoint: the base's CMD ["bash"] is dropped when the stage sets no CMD itself.
    expect(cmp.buildah.container.Cmd).toBeUndefined();
    expect(cmp.buildah.container).toMatchObject({
      Entrypoint: ["/bin/echo", "hi"],
      ExposedPorts: { "80/tcp": {}, "443/udp": {}, "8080/tcp": {} },
      Volumes: { "/data": {}, "/cache": {} },
      StopSignal: "SIGQUIT",
      User: "1000:1000",
      WorkingDir: "/relative",
    });
    // WORKDIR as USER 1000:1000 (no passwd entry needed for numeric ids).
    expect(at(cmp.buildah.tree, "/relative")).toMatchObject({ type: "dir", uid: 1000, gid: 1000 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("SHELL applies to shell-form CMD and ENTRYPOINT", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "shell-form",
        files: {},
        dockerfile: `${FROM_BASE}SHELL ["/bin/bash", "-eu", "-c"]\nCMD echo "$HOME"\n`,
        // buildah 1.28 builds shell-form CMD with /bin/sh -c whatever SHELL says.
        buildahConfigDeviations: [
          { field: "Cmd", buildkit: ["/bin/bash", "-eu", "-c", 'echo "$HOME"'], because: "BuildKit: dispatchCmd uses withShell(d.image, args), the image's SHELL (convert.go); buildah 1.28 ignores SHELL there" },
        ],
      },
      { onTestFinished, signal },
    );
    await expectSameAsBuildKit(expect, cmp);
  });

  it("variable expansion: ${V%x} ${V%%x} ${V#x} ${V##x} ${V/x/y} ${V:-d} ${V:+a} in ENV and COPY", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "expansion",
        files: { "app.tar": "tar\n" },
        dockerfile:
          FROM_BASE +
          "ARG FILE=app.tar.gz\nARG EMPTY=\n" +
          "ENV STEM=${FILE%.gz} FIRST=${FILE%%.*} EXT=${FILE##*.} REST=${FILE#*.} SWAP=${FILE/tar/zip} DEF=${EMPTY:-dflt} ALT=${FILE:+set}\n" +
          "COPY ${FILE%.gz} /opt/${FILE%%.*}/\n",
        // buildah 1.28 rejects ${FILE%.gz} ("Missing ':' in substitution"): it builds the values
        // BuildKit's lexer gives (frontend/dockerfile/shell/lex.go processDollar: %/# remove the
        // shortest suffix/prefix match, %%/## the longest, ${V/a/b} replaces the first match).
        buildahDockerfile:
          FROM_BASE + "ENV STEM=app.tar FIRST=app EXT=gz REST=tar.gz SWAP=app.zip.gz DEF=dflt ALT=set\nCOPY app.tar /opt/app/\n",
      },
      { onTestFinished, signal },
    );
    // frontend/dockerfile/shell/lex.go processDollar: %/# shortest, %%/## longest, / replace.
    expect(cmp.buildah.container.Env).toEqual([
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "STEM=app.tar",
      "FIRST=app",
      "EXT=gz",
      "REST=tar.gz",
      "SWAP=app.zip.gz",
      "DEF=dflt",
      "ALT=set",
    ]);
    expect(at(cmp.buildah.tree, "/opt/app/app.tar")).toMatchObject({ type: "file" });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("COPY <<EOF heredoc writes a 0644 root file (buildah 1.28 has no heredocs: it copies the same bytes from the context)", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "heredoc",
        files: {},
        dockerfile: `# syntax=docker/dockerfile:1\n${FROM_BASE}COPY <<EOF /etc/motd\nhello from a heredoc\nEOF\nCOPY <<one <<two /srv/docs/\nfirst\none\nsecond\ntwo\n`,
        // BuildKit makes each heredoc an llb.Mkfile(path, 0644, data) in scratch and copies it like a
        // context file (convert_copy.go SourceContents), and the body ends with a newline.
        buildahDockerfile: `${FROM_BASE}COPY motd /etc/motd\nCOPY one two /srv/docs/\n`,
        buildahFiles: { motd: "hello from a heredoc\n", one: "first\n", two: "second\n" },
      },
      { onTestFinished, signal },
    );
    await expectSameAsBuildKit(expect, cmp);
  });
});
