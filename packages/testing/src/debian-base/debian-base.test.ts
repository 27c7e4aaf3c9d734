import { execFileSync } from "node:child_process";
import { readFile, writeFile, mkdir, chmod } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isExpError } from "@exp/errors";
import { httpRequest } from "../http-request.js";
import { startRegistry, type TestRegistry } from "../registry.js";
import { tempDir, type TempDir } from "../temp-dir.js";
import { skipUnlessRoot } from "../prerequisites.js";
import { skipUnlessTools } from "../tools.js";
import { buildahBuild, createBuildahStorage, type BuildahStorage } from "./buildah.js";
import { diffTrees, formatDifferences } from "./diff.js";
import { debianBaseImage } from "./image.js";
import { debianBaseRootfs } from "./rootfs.js";
import { serveDebianBase } from "./serve.js";
import { snapshotTree } from "./snapshot.js";
import type { TreeSnapshot } from "./tree.js";
import { umociUnpack } from "./unpack.js";
import { umociUnpackOnBase } from "./unpack-on-base.js";

// The first run on a machine makes the base (~17-25 s of mmdebstrap from Debian's mirrors, ~10 s of
// buildah); later runs find it in $EXP_TEST_CACHE.
const TOOLS = ["mmdebstrap", "buildah", "umoci", "skopeo", "docker-registry", "getfattr"];

describe("debianBaseRootfs without mmdebstrap", () => {
  it("throws MissingToolsError naming mmdebstrap and its package", async () => {
    const empty = await tempDir("exp-empty-path-");
    vi.stubEnv("PATH", empty.path);
    try {
      const error = await debianBaseRootfs().catch((e: unknown) => e);
      expect(isExpError(error, "ERR_MISSING_TOOLS")).toBe(true);
      expect((error as Error).message).toContain("mmdebstrap");
      expect((error as { packages: string[] }).packages).toEqual(["mmdebstrap"]);
    } finally {
      vi.unstubAllEnvs();
      await empty.cleanup();
    }
  });
});

describe.skipIf(skipUnlessTools(...TOOLS) || skipUnlessRoot("buildah and umoci unpack as root"))("the Debian base, served and built on by buildah", () => {
  let registry: TestRegistry;
  let work: TempDir;
  let storage: BuildahStorage & { cleanup(): Promise<void> };
  let baseRef: string;
  let base: TreeSnapshot;
  let baseRootfs: string;
  beforeAll(async () => {
    registry = await startRegistry();
    work = await tempDir("exp-debian-base-test-");
    storage = await createBuildahStorage({ dir: join(work.path, "buildah") });
    baseRef = await serveDebianBase(registry);
    baseRootfs = await umociUnpack((await debianBaseImage()).ociRef, join(work.path, "base"));
    base = await snapshotTree(baseRootfs);
  }, 10 * 60_000);
  afterAll(async () => {
    await registry?.stop();
    await work?.cleanup();
  });

  it("is a cached OCI layout tagged bookworm-min, made once", async () => {
    const image = await debianBaseImage();
    expect(image.tag).toBe("bookworm-min");
    expect(image.ociRef).toBe(`${image.layout}:bookworm-min`);
    const index = JSON.parse(await readFile(join(image.layout, "index.json"), "utf8"));
    expect(index.manifests.map((m: { annotations?: Record<string, string> }) => m.annotations?.["org.opencontainers.image.ref.name"])).toEqual(["bookworm-min"]);
    const started = Date.now();
    expect(await debianBaseImage()).toEqual(image);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("has what the differential cases rely on: usrmerge, /tmp 1777, /root 0700, setuid su, nobody", async () => {
    const e = (p: string) => base.entries.get(p);
    expect(e("/bin")).toMatchObject({ type: "symlink", target: "usr/bin" });
    expect(e("/lib")).toMatchObject({ type: "symlink", target: "usr/lib" });
    expect(e("/sbin")).toMatchObject({ type: "symlink", target: "usr/sbin" });
    expect(e("/tmp")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(e("/var/tmp")).toMatchObject({ type: "dir", mode: 0o1777 });
    expect(e("/root")).toMatchObject({ type: "dir", mode: 0o700 });
    expect(e("/usr/bin/su")).toMatchObject({ type: "file", mode: 0o4755, uid: 0 });
    expect(e("/dev/null")).toMatchObject({ type: "char", rdev: "1:3" });
    const passwd = await readFile(join(base.root, "etc/passwd"), "utf8");
    expect(passwd).toMatch(/^nobody:x:65534:65534:/m);
    expect(passwd).toMatch(/^_apt:x:42:65534:/m);
    expect(base.entries.size).toBeGreaterThan(5000);
  });

  it("is served by the registry", async () => {
    const [host, rest] = [baseRef.slice(0, baseRef.indexOf("/")), baseRef.slice(baseRef.indexOf("/") + 1)];
    expect(host).toBe(registry.host);
    const [repo, tag] = rest.split(":") as [string, string];
    const res = await httpRequest(`${registry.url}/v2/${repo}/manifests/${tag}`, {
      method: "HEAD",
      headers: { accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
    });
    expect(res.status).toBe(200);
  });

  it("builds with buildah on it, twice at once on one storage (buildah's storage locks), and the image starts", async () => {
    const context = join(work.path, "ctx");
    await mkdir(context);
    await writeFile(join(context, "hello"), "#!/bin/sh\necho hello\n");
    await chmod(join(context, "hello"), 0o755);
    await writeFile(join(context, "Dockerfile"), "ARG BASE\nFROM ${BASE}\nCOPY hello /usr/local/bin/hello\n");
    // Neither build finds the base in the fresh storage: both pull it at once. (One layout each:
    // containers/image does not lock a layout's index.json against another process.)
    const [a, b] = await Promise.all(
      ["a", "b"].map((tag) =>
        buildahBuild({ storage, context, buildArgs: { BASE: baseRef }, layout: join(work.path, `out-${tag}`), tag, signal: AbortSignal.timeout(5 * 60_000) }),
      ),
    );
    expect(a!.ociRef).toBe(`${join(work.path, "out-a")}:a`);
    const rootA = await umociUnpack(a!.ociRef, join(work.path, "ua"));
    const rootB = await umociUnpack(b!.ociRef, join(work.path, "ub"));
    const snapA = await snapshotTree(rootA, { baseline: base });
    expect(formatDifferences(diffTrees(snapA, await snapshotTree(rootB, { baseline: base })))).toBe("");
    expect(formatDifferences(diffTrees(base, snapA))).toMatch(/^\/usr\/local\/bin\/hello: presence absent != file 0755 0:0 sha256:\w+…\(21 B\)$/);
    expect(execFileSync("chroot", [rootA, "/usr/local/bin/hello"], { encoding: "utf8" })).toBe("hello\n");

    // The same image unpacked onto the base's tree (overlay + only the upper layer) is the same tree.
    const onBase = await umociUnpackOnBase(a!.ociRef, join(work.path, "oa"), { ociRef: (await debianBaseImage()).ociRef, rootfs: baseRootfs });
    try {
      expect(onBase.sharedLayers).toBe(1);
      expect(formatDifferences(diffTrees(snapA, await snapshotTree(onBase.rootfs, { baseline: base })))).toBe("");
      // Nothing is written to the base's tree.
      await writeFile(join(onBase.rootfs, "tmp/probe"), "x");
    } finally {
      await onBase.release();
    }
    expect(formatDifferences(diffTrees(base, await snapshotTree(baseRootfs, { baseline: base })))).toBe("");
    // The base image itself: nothing to unpack on top.
    const itself = await umociUnpackOnBase((await debianBaseImage()).ociRef, join(work.path, "ob"), { ociRef: (await debianBaseImage()).ociRef, rootfs: baseRootfs });
    try {
      expect(formatDifferences(diffTrees(base, await snapshotTree(itself.rootfs, { baseline: base })))).toBe("");
    } finally {
      await itself.release();
    }
  }, 5 * 60_000);
});
