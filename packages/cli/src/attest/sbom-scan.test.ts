import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore } from "@exp/content";
import { spdxSchemaErrors } from "@exp/testing/schemas";
import { fixture, run, type Fixture } from "../test-helpers.js";

// Issue 15 point 2, "with scan-stage, every stage": BuildKit's BUILDKIT_SBOM_SCAN_STAGE and
// BUILDKIT_SBOM_SCAN_CONTEXT through `exp build --sbom`, and exp's scan-stage / scan-context.
const dockerfile = [
  "FROM scratch AS deps",
  "ARG BUILDKIT_SBOM_SCAN_STAGE=true",
  "COPY deps/ /deps/",
  "FROM scratch",
  "ARG BUILDKIT_SBOM_SCAN_CONTEXT=true",
  "COPY --from=deps /deps/node_modules/left-pad/index.js /left-pad.js",
  "COPY app /app",
  "",
].join("\n");

let fx: Fixture;
beforeEach(async () => {
  fx = await fixture(dockerfile);
  const pkg = async (dir: string, name: string, version: string) => {
    await mkdir(join(fx.context, dir, "node_modules", name), { recursive: true });
    await writeFile(join(fx.context, dir, "node_modules", name, "package.json"), JSON.stringify({ name, version, license: "MIT" }));
    await writeFile(join(fx.context, dir, "node_modules", name, "index.js"), "module.exports = 1;\n");
  };
  await pkg("deps", "left-pad", "1.3.0");
  // In the context's directory but excluded from the build by .dockerignore: never in an SBOM.
  await pkg("ignored", "is-odd", "3.0.1");
  await writeFile(join(fx.context, ".dockerignore"), "ignored\n");
  // In the context, but no COPY reads it: BuildKit does not send it, so its SBOM of the context lacks it.
  await pkg("unused", "is-even", "1.0.0");
});
afterEach(() => fx.cleanup());

const build = (flags: string[]) => run(["build", fx.context, "--root", fx.store, ...flags]);
const purls = (document: { packages: Array<{ externalRefs?: Array<{ referenceLocator: string }> }> }) =>
  document.packages.flatMap((p) => (p.externalRefs ?? []).map((r) => r.referenceLocator)).filter((ref) => ref.startsWith("pkg:npm/"));

describe("the SBOM of the stages and the context the Dockerfile asks to scan", () => {
  it("writes sbom-<stage>.spdx.json and sbom-context.spdx.json beside the image's, each valid SPDX of its own filesystem (the context as sent: what the COPYs read)", async () => {
    const dest = join(fx.dir, "out");
    const result = await build(["-o", `type=local,dest=${dest}`, "--sbom=true"]);
    expect(result.code, result.stderr).toBe(0);
    expect((await readdir(dest)).filter((name) => name.endsWith(".spdx.json")).sort()).toEqual(["sbom-context.spdx.json", "sbom-deps.spdx.json", "sbom.spdx.json"]);
    const read = async (name: string) => JSON.parse(await readFile(join(dest, name), "utf8"));
    const [image, deps, context] = await Promise.all(["sbom.spdx.json", "sbom-deps.spdx.json", "sbom-context.spdx.json"].map(read));
    for (const statement of [image, deps, context]) expect(spdxSchemaErrors(statement.predicate)).toEqual([]);
    // The image holds one file of left-pad, not the package; the deps stage and the context hold it.
    expect(purls(image.predicate)).toEqual([]);
    expect(purls(deps.predicate)).toEqual(["pkg:npm/left-pad@1.3.0"]);
    expect(purls(context.predicate)).toEqual(["pkg:npm/left-pad@1.3.0"]);
    expect(JSON.stringify(context)).not.toContain("is-odd");
    expect(JSON.stringify(context)).not.toContain("is-even");
    expect([deps.predicate.name, context.predicate.name]).toEqual(["deps", "context"]);
  });

  it("lays the SBOMs in an image's attestation manifest as BuildKit orders them: the image's first, then by file name", async () => {
    const archive = join(fx.dir, "image.tar");
    const result = await build(["-t", "example.com/app:1", "-o", `type=oci,dest=${archive}`, "--sbom=true"]);
    expect(result.code, result.stderr).toBe(0);
    const blob = (digest: string) => JSON.parse(execFileSync("tar", ["-xOf", archive, `blobs/sha256/${digest.slice(7)}`], { encoding: "utf8" }));
    const index = JSON.parse(execFileSync("tar", ["-xOf", archive, "index.json"], { encoding: "utf8" }));
    const inner = blob(index.manifests[0].digest);
    const attestation = blob(inner.manifests[1].digest);
    const names = attestation.layers.map((layer: { digest: string }) => blob(layer.digest).predicate.name);
    expect(names).toEqual(["example.com/app:1", "context", "deps"]);
  });

  it("scans only the image with scan-stage=false,scan-context=false, and the stages named by scan-stage=<names>", async () => {
    const off = join(fx.dir, "off");
    expect((await build(["-o", `type=local,dest=${off}`, "--attest", "type=sbom,scan-stage=false,scan-context=false"])).code).toBe(0);
    expect((await readdir(off)).filter((name) => name.endsWith(".spdx.json"))).toEqual(["sbom.spdx.json"]);

    await writeFile(join(fx.context, "Dockerfile"), dockerfile.replace("ARG BUILDKIT_SBOM_SCAN_STAGE=true\n", "").replace("ARG BUILDKIT_SBOM_SCAN_CONTEXT=true\n", ""));
    const named = join(fx.dir, "named");
    expect((await build(["-o", `type=local,dest=${named}`, "--sbom", "scan-stage=deps"])).code).toBe(0);
    expect((await readdir(named)).filter((name) => name.endsWith(".spdx.json")).sort()).toEqual(["sbom-deps.spdx.json", "sbom.spdx.json"]);
  });

  it("reuses a scan of the same layers on a rebuild, as BuildKit's cached scanner run, and scans again with --no-cache", async () => {
    const out = (name: string) => join(fx.dir, name);
    const sbomOf = async (dir: string) => JSON.parse(await readFile(join(dir, "sbom-deps.spdx.json"), "utf8")).predicate;
    expect((await build(["-o", `type=local,dest=${out("a")}`, "--sbom=true"])).code).toBe(0);
    // Plant a package in every kept scan: a rebuild that shows it read the cache, not the layers.
    const store = await openContentStore(fx.store);
    const roots = (await store.roots.list()).filter((root) => root.name.startsWith("exp.sbom/"));
    expect(roots.length).toBe(2); // the image's and the deps stage's; the context is read every time
    for (const root of roots) {
      const scan = JSON.parse((await store.readAll(root.descriptor.digest)).toString("utf8"));
      scan.found.push({ type: "npm", name: "planted", version: "9.9.9", purl: "pkg:npm/planted@9.9.9", licenses: [], locations: ["planted/package.json"], foundBy: "test", files: [] });
      const written = await store.writeBlob(JSON.stringify(scan));
      await store.roots.set(root.name, { ...root.descriptor, digest: written.digest, size: written.size });
    }
    expect((await build(["-o", `type=local,dest=${out("b")}`, "--sbom=true"])).code).toBe(0);
    expect(purls(await sbomOf(out("b")))).toEqual(["pkg:npm/left-pad@1.3.0", "pkg:npm/planted@9.9.9"]);
    expect((await build(["-o", `type=local,dest=${out("c")}`, "--sbom=true", "--no-cache"])).code).toBe(0);
    expect(purls(await sbomOf(out("c")))).toEqual(["pkg:npm/left-pad@1.3.0"]);
    // --no-cache wrote the fresh scan back: the next rebuild has no planted package either.
    expect((await build(["-o", `type=local,dest=${out("d")}`, "--sbom=true"])).code).toBe(0);
    expect(purls(await sbomOf(out("d")))).toEqual(["pkg:npm/left-pad@1.3.0"]);
  });

  it("refuses a scan-stage that names no stage, before building", async () => {
    const result = await build(["-o", `type=local,dest=${join(fx.dir, "x")}`, "--sbom", "scan-stage=dpes"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('sbom scan-stage=dpes: "dpes" is no stage');
  });
});
