import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { fixture, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
});
afterEach(() => fx.cleanup());

/** A directory holding `files` (name -> content). */
async function dir(name: string, files: Record<string, string>): Promise<string> {
  const path = join(fx.dir, name);
  await mkdir(path, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(join(path, file), content);
  return path;
}

/** Builds `dockerfile` with `flags` into a directory; the files it holds (top level, and one level down). */
async function build(dockerfile: string, flags: string[], name = "out"): Promise<{ code: number; stderr: string; files: Record<string, string> }> {
  await writeFile(join(fx.context, "Dockerfile"), dockerfile);
  const dest = join(fx.dir, name);
  const result = await run(["build", fx.context, "-o", `type=local,dest=${dest}`, "--root", fx.store, ...flags]);
  const files: Record<string, string> = {};
  if (result.code === 0) {
    for (const entry of await readdir(dest, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) files[join(entry.parentPath, entry.name).slice(dest.length + 1)] = await readFile(join(entry.parentPath, entry.name), "utf8");
    }
  }
  return { code: result.code, stderr: result.stderr, files };
}

describe("exp build --build-context name=<directory>", () => {
  it("COPY --from=<name> reads the directory instead of the image of that name, with its own .dockerignore", async () => {
    const tools = await dir("tools", { "tool.txt": "from the context\n", "secret.txt": "no\n", ".dockerignore": "secret.txt\n" });
    const dockerfile = "FROM scratch\nCOPY --from=tools / /tools/\n";
    // Without the flag, `tools` is an image on Docker Hub, which this build cannot reach.
    const result = await build(dockerfile, ["--build-context", `tools=${tools}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(result.files).sort()).toEqual(["tools/.dockerignore", "tools/tool.txt"]);
  });

  it("FROM <name> builds on the directory's files", async () => {
    const base = await dir("base", { "os-release": "ID=ctx\n" });
    const result = await build("FROM registry.example/base:1\nCOPY README.txt /\n", ["--build-context", `registry.example/base:1=${base}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.files).toEqual({ "os-release": "ID=ctx\n", "README.txt": "hello\n" });
  });

  it("a stage named like a context is the context: its own instructions do not run", async () => {
    const assets = await dir("assets", { "logo.svg": "<svg/>" });
    const dockerfile = "FROM scratch AS assets\nCOPY README.txt /from-stage.txt\nFROM scratch\nCOPY --from=assets / /srv/\n";
    const plain = await build(dockerfile, [], "plain");
    expect(plain.files).toEqual({ "srv/from-stage.txt": "hello\n" });
    const replaced = await build(dockerfile, ["--build-context", `assets=${assets}`], "replaced");
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.files).toEqual({ "srv/logo.svg": "<svg/>" });
  });

  it("matches names as buildx normalises them: alpine is docker.io/library/alpine:latest", async () => {
    const base = await dir("alpine", { "alpine-release": "3\n" });
    const result = await build("FROM docker.io/library/alpine:latest\n", ["--build-context", `alpine=${base}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.files).toEqual({ "alpine-release": "3\n" });
  });

  it("a directory that is not there fails naming it", async () => {
    const missing = join(fx.dir, "nowhere");
    const result = await build("FROM scratch\nCOPY --from=x / /\n", ["--build-context", `x=${missing}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${missing} does not exist`);
  });
});

describe("exp build --build-context name=docker-image://… and oci-layout://…", () => {
  it("docker-image://scratch is an empty filesystem", async () => {
    const result = await build("FROM busybox\nCOPY README.txt /\n", ["--build-context", "busybox=docker-image://scratch"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.files).toEqual({ "README.txt": "hello\n" });
  });

  it("oci-layout://<dir>[:tag|@digest]: the image in a layout exp wrote, by tag, by digest, or its only entry", async () => {
    const baseContext = await dir("layout-src", { "Dockerfile": "FROM scratch\nCOPY version.txt /\nENV FROM_LAYOUT=yes\n", "version.txt": "layout\n" });
    const layout = join(fx.dir, "layout");
    const metadata = join(fx.dir, "layout.json");
    const made = await run(["build", baseContext, "-t", "base:v1", "-o", `type=oci,dest=${layout},tar=false`, "--root", fx.store, "--metadata-file", metadata]);
    expect(made.code, made.stderr).toBe(0);
    const digest = (JSON.parse(await readFile(metadata, "utf8")) as Record<string, string>)["containerimage.digest"]!;
    const dockerfile = "FROM base\nCOPY README.txt /\n";
    for (const [i, source] of [`oci-layout://${layout}:v1`, `oci-layout://${layout}@${digest}`, `oci-layout://${layout}`].entries()) {
      const result = await build(dockerfile, ["--build-context", `base=${source}`], `from-layout-${i}`);
      expect(result.code, `${source}: ${result.stderr}`).toBe(0);
      expect(result.files).toEqual({ "version.txt": "layout\n", "README.txt": "hello\n" });
    }
    const wrongTag = await build(dockerfile, ["--build-context", `base=oci-layout://${layout}:v2`], "wrong-tag");
    // A layout with one entry gives it for any tag, as buildx's resolveDigest (GetSingle).
    expect(wrongTag.code, wrongTag.stderr).toBe(0);
  });
});

describe("exp build --build-context values exp cannot serve", () => {
  it.each([
    ["src=https://example.invalid/src.tar.gz", "https:// sources are not supported by exp"],
    ["src=git@github.com:docker/buildx.git", "git repositories are not supported by exp"],
    ["src=github.com/docker/buildx", "git repositories are not supported by exp"],
    ["src=target:other", "target: sources"],
    ["src=s3://bucket/x", "s3:// sources are not supported by exp"],
    ["src", "no ="],
    ["src=docker-image://Not_A_Ref", "docker-image://Not_A_Ref"],
  ])("%s is refused, naming the value and what is accepted", async (value, problem) => {
    const result = await run(["build", fx.context, "--root", fx.store, "--build-context", value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--build-context ${JSON.stringify(value)}`);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain("a directory, docker-image://<image>, oci-layout://<dir>[:<tag>] or oci-layout://<dir>@<digest>");
  });

  it.each([["Upper=dir"], ["scratch=dir"], ["context=dir"]])("the name in %s is refused", async (value) => {
    const result = await run(["build", fx.context, "--root", fx.store, "--build-context", value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/build context name/);
  });
});

describe.skipIf(skipUnlessTools("docker-registry"))("exp build --build-context name=docker-image://<registry image>", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it("FROM <name> builds on that image, with its config", async () => {
    const ref = `${registry.host}/exp/ctx-base:1`;
    const baseContext = await dir("registry-src", { "Dockerfile": "FROM scratch\nCOPY version.txt /\nWORKDIR /work\n", "version.txt": "registry\n" });
    const pushed = await run(["build", baseContext, "-t", ref, "--push", "--root", join(fx.dir, "base-store")]);
    expect(pushed.code, pushed.stderr).toBe(0);
    // WORKDIR comes from the context's image: COPY . lands in /work.
    const result = await build("FROM golang:1.22\nCOPY README.txt .\n", ["--build-context", `golang:1.22=docker-image://${ref}`, "--progress", "plain"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.files).toEqual({ "version.txt": "registry\n", "work/README.txt": "hello\n" });
    expect(result.stderr).toContain(`[context golang:1.22] ${ref}`);
  });
});
