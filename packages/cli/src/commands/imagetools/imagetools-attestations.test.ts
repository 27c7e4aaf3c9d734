import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf, type Descriptor, type Digest } from "@exp/oci-spec";
import { HostLimiters, createRegistryClient, type RegistryClient } from "@exp/registry";
import { skipUnlessTools, startFaultProxy, startRegistry, type FaultProxy, type TestRegistry } from "@exp/testing";
import { run } from "../../test-helpers.js";
import { buildByDigest, mounts, pushAttestedIndex, skopeoRaw, uploads } from "./imagetools-test-support.js";

interface Index {
  mediaType: string;
  manifests: Descriptor[];
}

const provenanceV02 = "https://slsa.dev/provenance/v0.2";
const spdx = "https://spdx.dev/Document";
const predicates = {
  amd: { slsa: { buildType: "https://mobyproject.org/buildkit@v1", invocation: { environment: { platform: "linux/amd64" } }, builder: { id: "" } }, sbom: { spdxVersion: "SPDX-2.3", name: "amd-sbom", packages: [{ name: "busybox" }] } },
  arm: { slsa: { buildType: "https://mobyproject.org/buildkit@v1", invocation: { environment: { platform: "linux/arm64" } }, builder: { id: "" } }, sbom: { spdxVersion: "SPDX-2.3", name: "arm-sbom", packages: [] } },
};

// Until exp writes attestations itself, each platform's source is an index in BuildKit's layout
// made by hand: the image exp built, and an attestation manifest (provenance and SBOM statements)
// that references it.
describe.skipIf(skipUnlessTools("docker-registry", "skopeo"))("exp imagetools with BuildKit's attestation manifests", () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let dir: string;
  let client: RegistryClient;
  let amd: Digest;
  let arm: Digest;
  let attAmd: Digest;
  let attArm: Digest;
  const R = () => proxy.host;
  const imagetools = (args: string[]) => run(["imagetools", ...args]);

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
    dir = await mkdtemp(join(tmpdir(), "exp-imagetools-att-"));
    client = createRegistryClient({ limiters: new HostLimiters() });
    amd = await buildByDigest(dir, `${R()}/att/amd`, "linux/amd64", "amd64-attested");
    arm = await buildByDigest(dir, `${R()}/att/arm`, "linux/arm64", "arm64-attested");
    const attest = (p: typeof predicates.amd) => [
      { predicateType: provenanceV02, predicate: p.slsa },
      { predicateType: spdx, predicate: p.sbom },
    ];
    attAmd = (await pushAttestedIndex(client, { registry: R(), repository: "att/amd" }, amd, { os: "linux", architecture: "amd64" }, attest(predicates.amd), "idx")).attestation;
    attArm = (await pushAttestedIndex(client, { registry: R(), repository: "att/arm" }, arm, { os: "linux", architecture: "arm64" }, attest(predicates.arm), "idx")).attestation;
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.stop();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("keeps each platform's attestation manifest with it through create, mounted with its statements; a platform filter drops the other's", async () => {
    proxy.reset();
    const made = await imagetools(["create", "-t", `${R()}/att/merged:v1`, `${R()}/att/amd:idx`, `${R()}/att/arm:idx`]);
    expect(made.code, made.stderr).toBe(0);
    const index = JSON.parse(skopeoRaw(`${registry.host}/att/merged:v1`).toString()) as Index;
    expect(index.manifests.map((m) => m.digest)).toEqual([amd, attAmd, arm, attArm]);
    for (const [att, subject] of [
      [attAmd, amd],
      [attArm, arm],
    ] as const) {
      const entry = index.manifests.find((m) => m.digest === att)!;
      expect(entry.platform).toEqual({ architecture: "unknown", os: "unknown" });
      expect(entry.annotations).toEqual({ "vnd.docker.reference.digest": subject, "vnd.docker.reference.type": "attestation-manifest" });
      // The attestation manifest itself is in the new repository, byte for byte, with its statements.
      const copied = skopeoRaw(`${registry.host}/att/merged@${att}`);
      expect(digestOf(copied)).toBe(att);
      for (const layer of (JSON.parse(copied.toString()) as { layers: Descriptor[] }).layers) {
        expect(await client.blobExists({ registry: registry.host, repository: "att/merged" }, layer.digest), layer.digest).toBe(true);
      }
    }
    // Statements and the empty config were mounted from each platform's repository, like the layers.
    expect(uploads(proxy)).toEqual([]);
    expect(new Set(mounts(proxy).map((m) => m.from))).toEqual(new Set(["att/amd", "att/arm"]));

    const armOnly = await imagetools(["create", "-p", "linux/arm64", "-t", `${R()}/att/merged:arm`, `${R()}/att/merged:v1`]);
    expect(armOnly.code, armOnly.stderr).toBe(0);
    expect((JSON.parse(skopeoRaw(`${registry.host}/att/merged:arm`).toString()) as Index).manifests.map((m) => m.digest)).toEqual([arm, attArm]);
  });

  it("inspect prints each platform's provenance and SBOM predicates, keyed by platform for an index of several", async () => {
    const provenance = await imagetools(["inspect", `${R()}/att/merged:v1`, "--format", "{{json .Provenance}}"]);
    expect(provenance.code, provenance.stderr).toBe(0);
    expect(JSON.parse(provenance.stdout)).toEqual({ "linux/amd64": { SLSA: predicates.amd.slsa }, "linux/arm64": { SLSA: predicates.arm.slsa } });
    // Go's map[string]interface{}: keys sorted, at every level.
    expect(provenance.stdout.indexOf('"buildType"')).toBeLessThan(provenance.stdout.indexOf('"builder"'));
    const sbom = await imagetools(["inspect", `${R()}/att/merged:v1`, "--format", "{{json .SBOM}}"]);
    expect(JSON.parse(sbom.stdout)).toEqual({ "linux/amd64": { SPDX: predicates.amd.sbom }, "linux/arm64": { SPDX: predicates.arm.sbom } });

    // One platform: the stub itself, not a map; a field of the predicate printed as text.
    const single = await imagetools(["inspect", `${R()}/att/merged:arm`, "--format", "{{json .Provenance}}|{{.SBOM.SPDX.name}}|{{.Provenance.SLSA.invocation.environment.platform}}"]);
    expect(single.code, single.stderr).toBe(0);
    const [json, name, platform] = single.stdout.split("|");
    expect(JSON.parse(json!)).toEqual({ SLSA: predicates.arm.slsa });
    expect([name, platform]).toEqual(["arm-sbom", "linux/arm64"]);

    // An image without attestations has empty stubs.
    const plain = await imagetools(["inspect", `${R()}/att/amd@${amd}`, "--format", "{{json .Provenance}} {{json .SBOM}}"]);
    expect(plain.stdout).toBe("{} {}");
  });

  it("inspect's default output is buildx's, attestation manifests as unknown/unknown with their annotations", async () => {
    const raw = skopeoRaw(`${registry.host}/att/merged:v1`);
    const index = JSON.parse(raw.toString()) as Index;
    const mt = (d: string) => index.manifests.find((m) => m.digest === d)!.mediaType;
    const name = `${R()}/att/merged:v1`;
    // Aligned by Go's tabwriter, which buildx flushes after each "Annotations:" line: both
    // blocks hold one, so both are aligned on its width; blank lines are padded.
    const pad = (label: string) => label.padEnd(15);
    const annotations = (subject: string) => [`    vnd.docker.reference.digest: ${subject}`, `    vnd.docker.reference.type:   attestation-manifest`];
    const expected = [
      `Name:      ${name}`,
      "MediaType: application/vnd.oci.image.index.v1+json",
      `Digest:    ${digestOf(raw)}`,
      " ".repeat(11),
      "Manifests: ",
      `${pad("  Name:")}${name}@${amd}`,
      `${pad("  MediaType:")}${mt(amd)}`,
      `${pad("  Platform:")}linux/amd64`,
      pad(""),
      `${pad("  Name:")}${name}@${attAmd}`,
      `${pad("  MediaType:")}${mt(attAmd)}`,
      `${pad("  Platform:")}unknown/unknown`,
      pad("  Annotations:"),
      ...annotations(amd),
      pad(""),
      `${pad("  Name:")}${name}@${arm}`,
      `${pad("  MediaType:")}${mt(arm)}`,
      `${pad("  Platform:")}linux/arm64`,
      pad(""),
      `${pad("  Name:")}${name}@${attArm}`,
      `${pad("  MediaType:")}${mt(attArm)}`,
      `${pad("  Platform:")}unknown/unknown`,
      pad("  Annotations:"),
      ...annotations(arm),
      "",
    ].join("\n");
    const shown = await imagetools(["inspect", name]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(expected);
    // {{.Manifest}} alone is the same output.
    expect((await imagetools(["inspect", name, "--format", " {{ .Manifest }}\n"])).stdout).toBe(expected);
    // One image: the three lines only.
    expect((await imagetools(["inspect", `${R()}/att/amd@${amd}`])).stdout).toBe(`Name:      ${R()}/att/amd@${amd}\nMediaType: ${mt(amd)}\nDigest:    ${amd}\n`);
  });

  it("inspect --raw prints the stored bytes exactly; --format reads the manifest, configs and names", async () => {
    const raw = await imagetools(["inspect", "--raw", `${R()}/att/merged:v1`]);
    expect(createHash("sha256").update(raw.stdout).digest("hex")).toBe(digestOf(skopeoRaw(`${registry.host}/att/merged:v1`)).slice(7));
    expect(raw.stdout.endsWith("\n")).toBe(false);

    const manifest = JSON.parse((await imagetools(["inspect", `${R()}/att/merged:v1`, "--format", "{{json .Manifest}}"])).stdout) as { schemaVersion: number; digest: string; size: number; manifests: Descriptor[] };
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.digest).toBe(digestOf(Buffer.from(raw.stdout)));
    expect(manifest.size).toBe(Buffer.byteLength(raw.stdout));
    expect(manifest.manifests).toHaveLength(4);

    const images = JSON.parse((await imagetools(["inspect", `${R()}/att/merged:v1`, "--format", "{{json .Image}}"])).stdout) as Record<string, { architecture: string; rootfs: { diff_ids: string[] } }>;
    expect(Object.keys(images)).toEqual(["linux/amd64", "linux/arm64"]);
    expect(images["linux/arm64"]!.architecture).toBe("arm64");
    expect(images["linux/amd64"]!.rootfs.diff_ids).toHaveLength(1);

    const text = await imagetools(["inspect", `${R()}/att/amd@${amd}`, "--format", '{{.Name}} {{.Manifest.Digest}} {{.Image.Architecture}} {{index .Image.RootFS.DiffIDs 0 | printf}}']);
    expect(text.code).toBe(2);
    const fields = await imagetools(["inspect", `${R()}/att/amd@${amd}`, "--format", "{{.Name}} {{.Manifest.Digest}} {{.Image.Architecture}} {{.Manifest.MediaType}}"]);
    expect(fields.stdout).toBe(`${R()}/att/amd@${amd} ${amd} amd64 ${skopeoMediaType(`${registry.host}/att/amd@${amd}`)}`);
  });

  it("refuses --format with --raw and templates it cannot run, before any request", async () => {
    proxy.reset();
    const both = await imagetools(["inspect", "--raw", "--format", "{{json .Manifest}}", `${R()}/att/merged:v1`]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("format and raw cannot be used together");
    const unsupported = await imagetools(["inspect", "--format", "{{range .Manifest.Manifests}}{{.Digest}}{{end}}", `${R()}/att/merged:v1`]);
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toMatch(/range is not supported; supported: text around actions/);
    expect(proxy.stats.log).toEqual([]);
    const missingField = await imagetools(["inspect", "--format", "{{.Manifest.Nope}}", `${R()}/att/merged:v1`]);
    expect(missingField.code).toBe(1);
    expect(missingField.stderr).toMatch(/can't evaluate field Nope in type struct/);
  });
});

function skopeoMediaType(ref: string): string {
  return (JSON.parse(skopeoRaw(ref).toString()) as { mediaType: string }).mediaType;
}
