import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AZURITE_INSTALL_HINT, azuriteAvailable, skipUnless, startAzurite, startManagedIdentity, type TestAzurite, type TestManagedIdentity } from "@exp/testing";
import { fixture, type Fixture } from "../test-helpers.js";

// Issue 16, point 1: type=azblob with no key authenticates with Microsoft Entra ID, as BuildKit
// does (DefaultAzureCredential), here through App Service's managed identity against an Azurite
// that takes bearer tokens (HTTPS, --oauth basic). The CLI runs as a process of its own: the
// Azurite certificate is trusted through NODE_EXTRA_CA_CERTS, which Node reads at start-up.

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin.ts");

function exp(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--conditions=@exp/source", "--import", "tsx", bin, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function allText(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name), "latin1"));
  }
  return parts.join("\n");
}

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("exp build --cache-to/--cache-from type=azblob with Microsoft Entra ID", () => {
  let azurite: TestAzurite;
  let identity: TestManagedIdentity;
  let fx: Fixture;
  beforeAll(async () => {
    [azurite, identity, fx] = await Promise.all([startAzurite({ oauth: true }), startManagedIdentity(), fixture()]);
  }, 60_000);
  afterAll(async () => {
    await identity?.stop();
    await azurite?.stop();
    await fx?.cleanup();
  });

  it("with no key, a managed identity's token exports the cache and a build on an empty store is a full cache hit; the identity secret is never shown nor stored", async () => {
    const env = { HOME: fx.dir, SOURCE_DATE_EPOCH: "1700000000", NODE_EXTRA_CA_CERTS: azurite.caPath!, ...identity.env };
    const spec = `type=azblob,account_url=${azurite.accountUrl},container=entra`;
    const first = await exp(["build", fx.context, "--root", fx.store, "--progress", "plain", "--cache-to", `${spec},mode=max`], env);
    expect(first.stderr).not.toMatch(/ERROR/);
    expect(first.code).toBe(0);
    expect(identity.resources.length).toBeGreaterThan(0);
    expect(identity.resources.every((r) => r.startsWith("https://storage.azure.com"))).toBe(true);

    const otherStore = join(fx.dir, "store-entra-2");
    const second = await exp(["build", fx.context, "--root", otherStore, "--progress", "plain", "--cache-from", spec], env);
    expect(second.code).toBe(0);
    const copies = second.stderr.split("\n").filter((l) => /^#\d+ \[\d\/2\] COPY /.test(l));
    expect(copies).toHaveLength(2);
    for (const line of copies) expect(second.stderr).toContain(`${line.split(" ")[0]} CACHED\n`);
    for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(output).not.toContain(identity.env.IDENTITY_HEADER);
    expect(await allText(fx.store)).not.toContain(identity.env.IDENTITY_HEADER);
  }, 120_000);

  it("with no key and no identity, the export fails with ERR_AZBLOB_NO_CREDENTIAL saying what would do", async () => {
    const env = { HOME: fx.dir, NODE_EXTRA_CA_CERTS: azurite.caPath!, AZURE_CLIENT_ID: "", AZURE_TENANT_ID: "" };
    const failed = await exp(["build", fx.context, "--root", fx.store, "--progress", "plain", "--cache-to", `type=azblob,account_url=${azurite.accountUrl},container=entra-none`], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/no Microsoft Entra ID credential gave a token .*give secret_access_key=/);
  }, 120_000);
});
