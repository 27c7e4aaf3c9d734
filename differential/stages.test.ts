import { describe, it } from "vitest";
import { buildBoth } from "./support/compare.js";
import { at, expectSameAsBuildKit, FROM_BASE, skipDifferential } from "./support/case.js";
import { differentialEnv } from "./support/env.js";

// Several stages and several images: ONBUILD through a registry, COPY --from, FROM scratch, the
// Dockerfile-specific .dockerignore, and directory-level rules of COPY (the destination
// directory's own mode, a directory copied over existing ones).

describe.skipIf(skipDifferential())("stages, parents and contexts", { concurrent: true }, () => {
  it("(8) ONBUILD: the trigger runs once, in the child; the child's config has no OnBuild", async ({ expect, onTestFinished, signal }) => {
    const env = differentialEnv();
    const repo = `${env.registryHost}/onbuild`;
    const ctx = { onTestFinished, signal };
    const parent = await buildBoth(
      {
        name: "onbuild-parent",
        files: {},
        dockerfile: `${FROM_BASE}ONBUILD COPY trig /trig\nONBUILD ENV TRIGGERED=yes\n`,
        expPush: `${repo}/parent:exp`,
        buildahPush: `${repo}/parent:buildah`,
      },
      ctx,
    );
    expect(parent.buildah.container.OnBuild).toEqual(["COPY trig /trig", "ENV TRIGGERED=yes"]);
    await expectSameAsBuildKit(expect, parent);

    const child = await buildBoth(
      {
        name: "onbuild-child",
        files: { trig: "child's trig\n", c: "c\n" },
        dockerfile: "ARG BASE\nFROM ${BASE}\nCOPY c /c\n",
        expBuildArgs: { BASE: `${repo}/parent:exp` },
        buildahBuildArgs: { BASE: `${repo}/parent:buildah` },
        expPush: `${repo}/child:exp`,
        buildahPush: `${repo}/child:buildah`,
      },
      ctx,
    );
    // convert.go: the triggers run right after FROM, then d.image.Config.OnBuild = nil.
    expect(at(child.buildah.tree, "/trig")).toMatchObject({ type: "file", size: "child's trig\n".length });
    expect(child.buildah.container.OnBuild).toBeUndefined();
    expect(child.buildah.container.Env).toContain("TRIGGERED=yes");
    await expectSameAsBuildKit(expect, child);

    const grandchild = await buildBoth(
      {
        name: "onbuild-grandchild",
        files: { trig: "grandchild's trig: must not be copied\n", g: "g\n" },
        dockerfile: "ARG BASE\nFROM ${BASE}\nCOPY g /g\n",
        expBuildArgs: { BASE: `${repo}/child:exp` },
        buildahBuildArgs: { BASE: `${repo}/child:buildah` },
      },
      ctx,
    );
    expect(at(grandchild.buildah.tree, "/trig")).toMatchObject({ type: "file", size: "child's trig\n".length });
    await expectSameAsBuildKit(expect, grandchild);
  });

  it("(15) multi-stage: the final stage FROM the base takes files, directories and owners from an earlier stage", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "multi-stage",
        files: { "src/app": { content: "#!/bin/sh\necho app\n", mode: 0o755 }, "src/lib/util.sh": "u\n", owned: "o\n" },
        dockerfile:
          "ARG BASE\nFROM ${BASE} AS build\nCOPY src/ /src/\nCOPY --chown=nobody:nogroup owned /src/owned\n" +
          "FROM ${BASE}\nCOPY --from=build /src/app /usr/local/bin/app\nCOPY --from=build /src /opt/src\n" +
          "COPY --from=build /etc/debian_version /opt/debian_version\nCOPY --from=build /src/owned /opt/owned\n",
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    expect(at(t, "/usr/local/bin/app")).toMatchObject({ type: "file", mode: 0o755 });
    expect(at(t, "/opt/src/lib/util.sh")).toMatchObject({ type: "file" });
    expect(at(t, "/opt/owned")).toMatchObject({ uid: 65534, gid: 65534 });
    expect(at(t, "/opt/src/owned")).toMatchObject({ uid: 65534, gid: 65534 });
    expect(at(t, "/opt/debian_version")).toMatchObject({ type: "file" });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(10) -f build/app.Dockerfile uses build/app.Dockerfile.dockerignore instead of the context's .dockerignore", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "dockerfile-ignore",
        files: { ".dockerignore": "a.txt\n", "build/app.Dockerfile.dockerignore": "b.txt\n", "a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n" },
        dockerfilePath: "build/app.Dockerfile",
        dockerfile: `${FROM_BASE}COPY . /srv/ctx/\n`,
      },
      { onTestFinished, signal },
    );
    // frontend/dockerui/config.go: <Dockerfile>.dockerignore next to the Dockerfile, when present,
    // is read INSTEAD of the context's .dockerignore.
    const t = cmp.buildah.tree;
    expect(at(t, "/srv/ctx/a.txt")).toMatchObject({ type: "file" });
    expect(at(t, "/srv/ctx/b.txt")).toBeUndefined();
    expect(at(t, "/srv/ctx/c.txt")).toMatchObject({ type: "file" });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("(14) FROM scratch: WorkingDir is / and PATH is set", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "scratch",
        files: { f: "f\n" },
        dockerfile: "FROM scratch\nCOPY f /f\n",
        buildahConfigDeviations: [
          { field: "WorkingDir", buildkit: "/", because: "BuildKit's emptyImage sets Config.WorkingDir = \"/\" (dockerfile2llb/image.go)" },
          { field: "Labels", buildkit: undefined, because: "buildah stamps io.buildah.version into every image; BuildKit adds no label" },
        ],
      },
      { onTestFinished, signal },
    );
    expect(at(cmp.buildah.tree, "/f")).toMatchObject({ type: "file", mode: 0o644 });
    // emptyImage and dispatch: PATH is set when the image has none (image.go; convert.go "make sure
    // that PATH is always set"); buildah does the same.
    expect(cmp.buildah.container.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
    await expectSameAsBuildKit(expect, cmp, { starts: false });
  });

  it("a directory copied to a new path gets 0755, not the source directory's mode; an existing destination keeps its own", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "dest-dir-mode",
        files: { "private/key": { content: "k\n", mode: 0o600 }, "private/inner": { dir: true, mode: 0o700 }, "private/inner/x": "x\n" },
        dockerfile: `${FROM_BASE}COPY private/ /srv/private/\nCOPY private /srv/private2\nCOPY private/ /root/\n`,
      },
      { onTestFinished, signal },
    );
    const t = cmp.buildah.tree;
    // copy.go: the destination directory is made by MkdirAll (0755) before the copy, and the copy of
    // the top directory onto an existing one keeps its metadata (overwriteTargetMetadata=false);
    // directories below it are created with their own modes.
    expect(at(t, "/srv/private")).toMatchObject({ type: "dir", mode: 0o755 });
    expect(at(t, "/srv/private2")).toMatchObject({ type: "dir", mode: 0o755 });
    expect(at(t, "/srv/private/inner")).toMatchObject({ type: "dir", mode: 0o700 });
    expect(at(t, "/srv/private/key")).toMatchObject({ type: "file", mode: 0o600 });
    expect(at(t, "/root")).toMatchObject({ type: "dir", mode: 0o700 });
    await expectSameAsBuildKit(expect, cmp);
  });

  it("a directory copied onto / overwrites the metadata of existing directories below the destination (/tmp loses 1777)", async ({ expect, onTestFinished, signal }) => {
    const cmp = await buildBoth(
      {
        name: "overlay-onto-root",
        files: { "overlay/tmp": { dir: true, mode: 0o755 }, "overlay/tmp/seed": "s\n", "overlay/etc/app.conf": "c\n" },
        dockerfile: `${FROM_BASE}COPY overlay/ /\n`,
      },
      { onTestFinished, signal },
    );
    // copy.go copyDirectory: children are copied with overwriteTargetMetadata=true, so an existing
    // /tmp is chmod'ed to the source's 0755 (and chowned): the well-known way to break /tmp.
    expect(at(cmp.buildah.tree, "/tmp")).toMatchObject({ type: "dir", mode: 0o755 });
    await expectSameAsBuildKit(expect, cmp, { starts: { shell: "ok", nobodyWritesTmp: expect.stringContaining("Permission denied") as unknown as string } });
  });
});
