import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Descriptor, Digest } from "@exp/oci-spec";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { run } from "../../test-helpers.js";
import { buildByDigest, skopeoRawAsync } from "./imagetools-test-support.js";

// A registry as most hosted ones are: TLS (here self-signed, hence --insecure-registry) and bearer
// tokens, the credentials in the docker config exp build reads.
describe.skipIf(skipUnlessTools("docker-registry", "skopeo", "openssl"))("exp imagetools create against a token-auth registry over TLS", () => {
  let registry: TestRegistry;
  let dir: string;
  let env: Record<string, string>;
  let amd: Digest;
  let arm: Digest;

  beforeAll(async () => {
    registry = await startRegistry({ auth: "token", tls: true });
    dir = await mkdtemp(join(tmpdir(), "exp-imagetools-token-"));
    const home = join(dir, "home");
    await mkdir(join(home, ".docker"), { recursive: true });
    await writeFile(join(home, ".docker", "config.json"), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString("base64") } } }));
    env = { HOME: home };
    const flags = ["--insecure-registry", registry.host];
    amd = await buildByDigest(dir, `${registry.host}/src/amd`, "linux/amd64", "amd64-token", { env, flags });
    arm = await buildByDigest(dir, `${registry.host}/src/arm`, "linux/arm64", "arm64-token", { env, flags });
  });
  afterAll(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("merges with the docker config's credentials; each mount's token grants pull on the source and push on the target", async () => {
    const before = registry.tokenIssuer!.requests.length;
    const made = await run(["imagetools", "create", "--insecure-registry", registry.host, "-t", `${registry.host}/merged/app:v1`, `${registry.host}/src/amd@${amd}`, `${registry.host}/src/arm@${arm}`], { env });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toContain("blobs: 4 mounted, 0 uploaded");
    const scopes = registry.tokenIssuer!.requests.slice(before).filter((r) => r.authorized).map((r) => [...r.scopes].sort().join(" "));
    for (const source of ["src/amd", "src/arm"]) expect(scopes).toContain(`repository:merged/app:pull,push repository:${source}:pull`);
    expect(registry.tokenIssuer!.requests.slice(before).every((r) => r.authorized)).toBe(true);

    const index = JSON.parse((await skopeoRawAsync(`${registry.host}/merged/app:v1`, `${registry.username}:${registry.password}`)).toString()) as { manifests: Descriptor[] };
    expect(index.manifests.map((m) => m.digest)).toEqual([amd, arm]);
    const shown = await run(["imagetools", "inspect", "--insecure-registry", registry.host, `${registry.host}/merged/app:v1`, "--format", "{{json .Image}}"], { env });
    expect(Object.keys(JSON.parse(shown.stdout) as object)).toEqual(["linux/amd64", "linux/arm64"]);
  });
});
