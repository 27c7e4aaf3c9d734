import { execFileSync } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture("FROM scratch\nLABEL a=from-dockerfile b=kept\nCOPY README.txt /\n");
});
afterEach(() => fx.cleanup());

interface Descriptor {
  digest: string;
  platform?: { architecture: string };
  annotations?: Record<string, string>;
}

/** Builds into an OCI archive and reads it back (GNU tar extracts it): the layout's index.json and a blob reader. */
async function buildArchive(flags: string[], name = "out", attrs = "") {
  const archive = join(fx.dir, `${name}.tar`);
  const result = await run(["build", fx.context, "--root", fx.store, "-o", `type=oci,dest=${archive}${attrs}`, ...flags]);
  if (result.code !== 0) return { result };
  const dir = join(fx.dir, name);
  await mkdir(dir);
  execFileSync("tar", ["-xf", archive, "-C", dir]);
  const blob = async <T>(digest: string): Promise<T> => JSON.parse(await readFile(join(dir, "blobs", "sha256", digest.slice("sha256:".length)), "utf8")) as T;
  const layout = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as { manifests: Descriptor[] };
  return { result, layout, blob };
}

describe("exp build --label (buildx: BuildKit's label: options)", () => {
  it("writes the labels over the Dockerfile's LABELs in the image config; a key alone is an empty value", async () => {
    const plain = await buildArchive([], "plain");
    const labelled = await buildArchive(["--label", "a=from-flag", "--label", "c", "--label", "d=x=y"], "labelled");
    const labelsOf = async (b: typeof plain) => {
      const manifest = await b.blob!<{ config: Descriptor }>(b.layout!.manifests[0]!.digest);
      return (await b.blob!<{ config: { Labels: Record<string, string> } }>(manifest.config.digest)).config.Labels;
    };
    expect(await labelsOf(plain)).toEqual({ a: "from-dockerfile", b: "kept" });
    expect(await labelsOf(labelled)).toEqual({ a: "from-flag", b: "kept", c: "", d: "x=y" });
  });

  it("an empty key is a usage error naming the value", async () => {
    const result = await run(["build", fx.context, "--root", fx.store, "--label", "=v"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--label "=v": empty key');
  });
});

describe("exp build --annotation (buildx's [type[platform]:]key=value)", () => {
  it("puts each annotation where its type says, per platform, and nothing without the flag", async () => {
    const platforms = ["--platform", "linux/amd64,linux/arm64"];
    const plain = await buildArchive(platforms, "plain");
    const annotated = await buildArchive(
      [...platforms, "--annotation", "k=all", "--annotation", "manifest[linux/arm64]:k=arm", "--annotation", "index:i=1", "--annotation", "index-descriptor:d=2", "--annotation", "manifest-descriptor,manifest[linux/amd64]:m=3"],
      "annotated",
    );
    expect(annotated.result.code, annotated.result.stderr).toBe(0);
    type Index = { manifests: Descriptor[]; annotations?: Record<string, string> };
    const read = async (b: typeof plain) => {
      const root = b.layout!.manifests[0]!;
      const index = await b.blob!<Index>(root.digest);
      const manifests: Record<string, { annotations?: Record<string, string> }> = {};
      for (const m of index.manifests) manifests[m.platform!.architecture] = await b.blob!(m.digest);
      return { root, index, manifests };
    };
    const without = await read(plain);
    const withFlags = await read(annotated);
    // index-descriptor: on the descriptor of the index, in the layout's index.json.
    expect(withFlags.root.annotations?.d).toBe("2");
    expect(without.root.annotations?.d).toBeUndefined();
    expect(withFlags.index.annotations).toEqual({ i: "1" });
    expect(without.index.annotations).toBeUndefined();
    // manifest-descriptor: on each manifest's descriptor in the index.
    expect(withFlags.index.manifests.map((m) => m.annotations?.m)).toEqual(["3", "3"]);
    // A plain key=value is a manifest annotation; the platform's own beats it.
    expect(withFlags.manifests.amd64!.annotations).toEqual({ k: "all", m: "3" });
    expect(withFlags.manifests.arm64!.annotations).toEqual({ k: "arm" });
    expect(without.manifests.amd64!.annotations).toBeUndefined();
  });

  it("replaces an -o attr spelled the same, as buildx sets o.Attrs[key]", async () => {
    const built = await buildArchive(["--annotation", "k=from-flag"], "out", ",annotation.k=from-o,annotation.o=kept");
    expect(built.result.code, built.result.stderr).toBe(0);
    const manifest = await built.blob!<{ annotations: Record<string, string> }>(built.layout!.manifests[0]!.digest);
    expect(manifest.annotations).toEqual({ k: "from-flag", o: "kept" });
  });

  it("refuses the same annotation spelled two ways with two values, which BuildKit would settle by chance", async () => {
    const result = await run(["build", fx.context, "--root", fx.store, "-o", `type=oci,dest=${join(fx.dir, "o.tar")},annotation-manifest.k=from-o`, "--annotation", "k=from-flag"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/one value per annotation/);
  });

  it.each([
    ["k", "no ="],
    ["foo:k=v", 'unknown annotation type "foo"'],
    ["Manifest:k=v", 'invalid annotation type "Manifest"'],
    ["manifest[linux/armm64]:k=v", 'invalid platform "linux/armm64"'],
    ["manifest:=v", "empty key"],
  ])("--annotation %s is a usage error (%s)", async (value, message) => {
    const result = await run(["build", fx.context, "--root", fx.store, "--annotation", value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain("expected [type[,type…]:]key=value");
  });

  it("warns when no output writes an image", async () => {
    const result = await run(["build", fx.context, "--root", fx.store, "-o", join(fx.dir, "dir"), "--annotation", "k=v", "--progress", "plain"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/--annotation: no output writes an image \(local\)/);
  });
});
