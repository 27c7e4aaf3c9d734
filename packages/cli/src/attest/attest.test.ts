import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { provenanceSchemaErrors, spdxSchemaErrors } from "@exp/testing/schemas";
import { fixture, pluginType, run, type Fixture } from "../test-helpers.js";

// Issue 15 points 1-3 through the CLI: what `exp build` attaches with buildx's flags, where each
// output puts it, and that every statement validates against its published (or spec-derived) schema.
let fx: Fixture;
beforeEach(async () => {
  fx = await fixture();
  // An npm package in the context, for the SBOM to find.
  await mkdir(join(fx.context, "app", "node_modules", "left-pad"), { recursive: true });
  await writeFile(join(fx.context, "app", "node_modules", "left-pad", "package.json"), JSON.stringify({ name: "left-pad", version: "1.3.0", license: "WTFPL" }));
});
afterEach(() => fx.cleanup());

/** A user's environment: no BUILDX_NO_DEFAULT_ATTESTATIONS, unlike the other tests' (test-helpers.ts). */
const userEnv = (extra: Record<string, string> = {}) => ({ env: { HOME: tmpdir(), ...extra } });
const build = (flags: string[], env = userEnv()) => run(["build", fx.context, "--root", fx.store, ...flags], env);
const skopeo = (args: string[]) => execFileSync("skopeo", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

describe("the forms of --provenance, --sbom and --attest", () => {
  const local = () => ["-o", `type=${pluginType},dest=${join(fx.dir, "r.json")}`];

  it("accepts the forms that turn attestations off, as pipelines pass them", async () => {
    const result = await build([...local(), "--provenance=false", "--sbom", "false", "--attest", "type=provenance,disabled=true", "--attest", "type=sbom,disabled=true"]);
    expect(result.stderr).not.toContain("ERROR");
    expect(result.code).toBe(0);
  });

  it.each([
    [["--attest", "type=provenance,mode=most"], "--attest type=provenance,mode=most: expected min or max"],
    [["--provenance", "version=v2"], "--attest type=provenance,version=v2: expected v0.2 or v1"],
    [["--attest", "type=provenance,colour=blue"], 'unknown parameter "colour"'],
    [["--attest", "type=sbom,generator=docker/buildkit-syft-scanner"], "exp runs no scanner images"],
    [["--sbom", "colour=blue"], 'unknown parameter "colour"; the parameters are scan-stage and scan-context'],
    [["--provenance", "filename=a/b.json"], 'expected a file name without "/"'],
  ])("refuses %j before building: %s", async (flags, message) => {
    const result = await build([...local(), ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("#1");
  });

  it("refuses a BUILDX_NO_DEFAULT_ATTESTATIONS that is not a bool, and a spec without a known type", async () => {
    expect((await build(local(), userEnv({ BUILDX_NO_DEFAULT_ATTESTATIONS: "sometimes" }))).stderr).toContain('BUILDX_NO_DEFAULT_ATTESTATIONS="sometimes": expected true or false');
    expect((await build([...local(), "--attest", "disabled=true"])).code).toBe(2);
    expect((await build([...local(), "--attest", "type=slsa,disabled=true"])).stderr).toContain('unknown attestation type "slsa"');
  });
});

describe.skipIf(skipUnlessTools("docker-registry", "skopeo"))("attestations through the CLI", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  /** The pushed index, and a reader of its blobs (skopeo copies them all, failing on any missing). */
  const pulled = (ref: string) => {
    const layout = join(fx.dir, `pulled-${sha256(ref).slice(0, 8)}`);
    skopeo(["copy", "--all", "--src-tls-verify=false", `docker://${ref}`, `oci:${layout}:x`]);
    const blob = async (digest: string) => JSON.parse(await readFile(join(layout, "blobs", "sha256", digest.slice(7)), "utf8"));
    return { index: JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${ref}`])), blob };
  };

  it("by default attaches buildx's mode=min provenance (SLSA v1) to pushed images only, and BUILDX_NO_DEFAULT_ATTESTATIONS=1 turns it off", async () => {
    const ref = `${registry.host}/attest/default:1`;
    const archive = join(fx.dir, "image.tar");
    expect(await build(["-t", ref, "--push", "-o", `type=oci,dest=${archive}`, "--build-arg", "FOO=bar"])).toMatchObject({ code: 0 });
    const { index, blob } = pulled(ref);
    expect(index.manifests.map((m: { platform: { os: string } }) => m.platform.os)).toEqual(["linux", "unknown"]);
    const attestation = await blob(index.manifests[1].digest);
    expect(attestation.layers.map((l: { annotations: Record<string, string> }) => l.annotations["in-toto.io/predicate-type"])).toEqual(["https://slsa.dev/provenance/v1"]);
    const statement = await blob(attestation.layers[0].digest);
    expect(provenanceSchemaErrors("inTotoStatementV1", statement)).toEqual([]);
    expect(provenanceSchemaErrors("slsaV1", statement.predicate)).toEqual([]);
    expect(statement.subject).toEqual([{ name: `pkg:docker/${registry.host.replace(":", "%3A")}/attest/default@1?platform=linux%2Famd64`, digest: { sha256: index.manifests[0].digest.slice(7) } }]);
    // mode=min: no build args, no steps.
    expect(JSON.stringify(statement.predicate)).not.toContain("FOO");
    expect(JSON.stringify(statement.predicate)).not.toContain("COPY app /app");
    // inline-only: the OCI archive has the image alone.
    const archived = JSON.parse(execFileSync("tar", ["-xOf", archive, "index.json"], { encoding: "utf8" }));
    expect(archived.manifests[0].mediaType).toBe("application/vnd.oci.image.manifest.v1+json");

    const off = `${registry.host}/attest/off:1`;
    expect(await build(["-t", off, "--push"], userEnv({ BUILDX_NO_DEFAULT_ATTESTATIONS: "1" }))).toMatchObject({ code: 0 });
    expect(JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${off}`])).mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
  });

  it("pushes an SBOM of the image's filesystem and max provenance, each valid against its schema, with no secret in either", async () => {
    const ref = `${registry.host}/attest/full:1`;
    const token = "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB";
    const result = await build(["-t", ref, "--push", "--sbom=true", "--provenance", "mode=max", "--build-arg", "FOO=bar", "--build-arg", `GITHUB_TOKEN=${token}`]);
    expect(result).toMatchObject({ code: 0 });
    const { index, blob } = pulled(ref);
    const attestation = await blob(index.manifests[1].digest);
    const [sbom, provenance] = await Promise.all(attestation.layers.map((l: { digest: string }) => blob(l.digest)));
    expect([sbom.predicateType, provenance.predicateType]).toEqual(["https://spdx.dev/Document", "https://slsa.dev/provenance/v1"]);
    expect(spdxSchemaErrors(sbom.predicate)).toEqual([]);
    expect(sbom.predicate.packages.map((p: { externalRefs?: Array<{ referenceLocator: string }> }) => p.externalRefs?.[0]?.referenceLocator)).toContain("pkg:npm/left-pad@1.3.0");
    expect(provenanceSchemaErrors("slsaV1", provenance.predicate)).toEqual([]);
    // mode=max has the build args, but a token's value never, and the build's steps.
    expect(provenance.predicate.buildDefinition.externalParameters.request.args["build-arg:FOO"]).toBe("bar");
    const config = JSON.stringify(provenance.predicate.buildDefinition.internalParameters.buildConfig);
    expect(config).toContain("COPY app /app");
    expect(config).toContain("COPY README.txt /");
    const everything = JSON.stringify([index, attestation, sbom, provenance]) + result.stdout + result.stderr;
    expect(everything).not.toContain(token);
  });

  it("writes the statements into a local output, about every file of the result, v0.2 when asked", async () => {
    const dest = join(fx.dir, "out");
    expect(await build(["-o", `type=local,dest=${dest}`, "--sbom=true", "--attest", "type=provenance,mode=min,version=v0.2"])).toMatchObject({ code: 0 });
    const provenance = JSON.parse(await readFile(join(dest, "provenance.json"), "utf8"));
    expect(provenance.predicateType).toBe("https://slsa.dev/provenance/v0.2");
    expect(provenanceSchemaErrors("slsaV02Predicate", provenance.predicate)).toEqual([]);
    const main = provenance.subject.find((s: { name: string }) => s.name === "app/main.js");
    expect(main.digest.sha256).toBe(sha256(await readFile(join(dest, "app", "main.js"))));
    const sbom = JSON.parse(await readFile(join(dest, "sbom.spdx.json"), "utf8"));
    expect(spdxSchemaErrors(sbom.predicate)).toEqual([]);
  });
});

describe("localImageName", () => {
  it.each([
    ["oci-layout:///tmp/Base Images:20", "base-images:20"],
    ["oci-layout:///tmp/Base Images/node:20", "node:20"],
    ["oci-layout://./layout", "layout:latest"],
    [`oci-layout:///srv/img@sha256:${"a".repeat(64)}`, `img@sha256:${"a".repeat(64)}`],
    ["oci-archive:///tmp/exp-bad/base.tar:1", "base:1"],
    ["oci-archive:///tmp/.../", "layout:latest"],
  ])("names %s as %s, without its path", async (ref, name) => {
    const { localImageName } = await import("./make-attestations.js");
    expect(localImageName(ref)).toBe(name);
  });
});

describe.skipIf(skipUnlessTools("docker-registry"))("exp imagetools inspect of exp's own attestations", () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  it("prints the SBOM and the provenance exp pushed, as buildx reads them", async () => {
    const ref = `${registry.host}/attest/inspect:1`;
    expect(await build(["-t", ref, "--push", "--sbom=true", "--provenance=mode=min"])).toMatchObject({ code: 0 });
    const sbom = await run(["imagetools", "inspect", ref, "--format", "{{json .SBOM}}"], userEnv());
    expect(sbom.code, sbom.stderr).toBe(0);
    const document = JSON.parse(sbom.stdout).SPDX;
    expect(document.spdxVersion).toBe("SPDX-2.3");
    expect(JSON.stringify(document)).toContain("pkg:npm/left-pad@1.3.0");
    const provenance = await run(["imagetools", "inspect", ref, "--format", "{{json .Provenance}}"], userEnv());
    expect(provenance.code, provenance.stderr).toBe(0);
    expect(JSON.parse(provenance.stdout).SLSA.buildDefinition.buildType).toBe("https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md");
  });
});
