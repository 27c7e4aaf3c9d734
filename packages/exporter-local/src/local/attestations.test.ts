import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import type { ExportSource, InTotoAttestation } from "@exp/solver";
import { localExporter, tarExporter } from "../index.js";
import { linuxAmd64, linuxArm64, runExporter, sourceOf, tarLayer } from "../test-support.js";

const sbom: InTotoAttestation = { predicateType: "https://spdx.dev/Document", path: "sbom.spdx.json", predicate: { spdxVersion: "SPDX-2.3" } };
const provenance: InTotoAttestation = { predicateType: "https://slsa.dev/provenance/v1", path: "/somewhere/provenance.json", predicate: { buildDefinition: {} } };

describe("attestations of local and tar outputs (BuildKit's exporter/local/fs.go)", () => {
  let dir: string;
  let store: ContentStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "exp-local-attest-"));
    store = await openContentStore(join(dir, "store"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function source(attestations: InTotoAttestation[], platforms = [linuxAmd64], options: { multiPlatform?: boolean } = {}): Promise<ExportSource> {
    const layers = [
      await tarLayer([
        { name: "etc/", type: "directory" },
        { name: "etc/hostname", content: "box\n" },
        { name: "bin/", type: "directory" },
        { name: "bin/tool", content: "#!/bin/sh\n", mode: 0o755 },
        { name: "bin/link", type: "symlink", linkname: "tool" },
        { name: "bin/again", type: "link", linkname: "bin/tool" },
      ]),
    ];
    const built = sourceOf(platforms.map((platform) => ({ platform, layers })), { sourceDateEpoch: 1_700_000_000, ...options });
    return { ...built, results: built.results.map((r) => ({ ...r, attestations })) };
  }

  const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

  it("writes one statement per attestation about every regular file, with its digest, mode 0600 and the epoch", async () => {
    const dest = join(dir, "out-single");
    await runExporter(localExporter, { dest }, await source([sbom, provenance]), store);
    const statement = JSON.parse(await readFile(join(dest, "sbom.spdx.json"), "utf8"));
    const files = ["bin/again", "bin/tool", "etc/hostname"];
    expect(statement).toEqual({
      _type: "https://in-toto.io/Statement/v1",
      predicateType: sbom.predicateType,
      subject: await Promise.all(files.map(async (name) => ({ name, digest: { sha256: sha256(await readFile(join(dest, name))) } }))),
      predicate: sbom.predicate,
    });
    // The base name of the attestation's path, as BuildKit's path.Base.
    expect(JSON.parse(await readFile(join(dest, "provenance.json"), "utf8")).predicateType).toBe(provenance.predicateType);
    const stats = await lstat(join(dest, "sbom.spdx.json"));
    expect(stats.mode & 0o7777).toBe(0o600);
    expect(stats.mtimeMs).toBe(1_700_000_000_000);
  });

  it("leaves inline-only attestations out, and writes nothing extra without attestations", async () => {
    const dest = join(dir, "out-inline-only");
    await runExporter(localExporter, { dest, "attestation-prefix": "att-" }, await source([{ ...sbom, inlineOnly: true }, provenance]), store);
    await expect(lstat(join(dest, "att-sbom.spdx.json"))).rejects.toMatchObject({ code: "ENOENT" });
    await expect(lstat(join(dest, "att-provenance.json"))).resolves.toBeDefined();
  });

  it("names each platform's statement when platforms are merged, and puts them in each platform's directory when split", async () => {
    const merged = join(dir, "out-merged");
    await runExporter(localExporter, { dest: merged, "platform-split": "false" }, await source([sbom], [linuxAmd64, linuxArm64]), store);
    for (const name of ["sbom.spdx.linux_amd64.json", "sbom.spdx.linux_arm64.json"]) expect(JSON.parse(await readFile(join(merged, name), "utf8")).subject).toHaveLength(3);
    const split = join(dir, "out-split");
    await runExporter(localExporter, { dest: split }, await source([sbom], [linuxAmd64, linuxArm64]), store);
    for (const platform of ["linux_amd64", "linux_arm64"]) expect(JSON.parse(await readFile(join(split, platform, "sbom.spdx.json"), "utf8")).subject.map((s: { name: string }) => s.name)).toEqual(["bin/again", "bin/tool", "etc/hostname"]);
  });

  it("refuses two attestations with the same file name, and a prefix with a slash", async () => {
    const dest = join(dir, "out-duplicate");
    const failure = await runExporter(localExporter, { dest }, await source([sbom, { ...provenance, path: "x/sbom.spdx.json" }]), store).then(() => undefined, (e: unknown) => e);
    expect(failure).toMatchObject({ code: "ERR_LOCAL_DUPLICATE_ATTESTATION", message: expect.stringContaining('"sbom.spdx.json"') });
    await expect(lstat(dest)).rejects.toMatchObject({ code: "ENOENT" });
    expect(() => localExporter.resolve({ dest, "attestation-prefix": "../x" })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION", key: "attestation-prefix" }));
  });

  it("puts the statements in a tar output too, read back with GNU tar", async () => {
    const dest = join(dir, "out.tar");
    await runExporter(tarExporter, { dest, "attestation-prefix": "attest-" }, await source([sbom]), store);
    const listing = execFileSync("tar", ["-tvf", dest], { encoding: "utf8" });
    expect(listing).toMatch(/^-rw------- 0\/0 .* attest-sbom\.spdx\.json$/m);
    const statement = JSON.parse(execFileSync("tar", ["-xOf", dest, "attest-sbom.spdx.json"], { encoding: "utf8" }));
    expect(statement.subject.find((s: { name: string }) => s.name === "etc/hostname").digest.sha256).toBe(sha256(Buffer.from("box\n")));
  });
});
