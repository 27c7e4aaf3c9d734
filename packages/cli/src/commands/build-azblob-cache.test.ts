import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AZURITE_INSTALL_HINT, azuriteAvailable, skipUnless, startAzurite, type TestAzurite } from "@exp/testing";
import { fixture, run, type Fixture } from "../test-helpers.js";

// Issue 16, point 1: --cache-to/--cache-from type=azblob through the CLI (in process), against Azurite.

/** Every file under `dir`, read as text. */
async function allText(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name), "latin1"));
  }
  return parts.join("\n");
}

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("exp build --cache-to/--cache-from type=azblob", () => {
  let azurite: TestAzurite;
  let fx: Fixture;
  beforeAll(async () => {
    [azurite, fx] = await Promise.all([startAzurite(), fixture()]);
  }, 60_000);
  afterAll(async () => {
    await azurite?.stop();
    await fx?.cleanup();
  });

  const spec = (extra = "") => `type=azblob,account_url=${azurite.accountUrl},secret_access_key=${azurite.accountKey},container=cli-cache${extra}`;

  it("exports the cache, and a build on an empty store is a full cache hit from it; the key is never printed nor stored", async () => {
    const first = await run(["build", fx.context, "--root", fx.store, "--progress", "plain", "--cache-to", spec(",mode=max,name=main;branch")], { env: { HOME: fx.dir, SOURCE_DATE_EPOCH: "1700000000" } });
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/exporting cache to Azure Blob Storage container cli-cache/);

    const otherStore = join(fx.dir, "store-2");
    const second = await run(["build", fx.context, "--root", otherStore, "--progress", "plain", "--cache-from", spec(",name=branch")], { env: { HOME: fx.dir, SOURCE_DATE_EPOCH: "1700000000" } });
    expect(second.code).toBe(0);
    const copies = second.stderr.split("\n").filter((l) => /^#\d+ \[\d\/2\] COPY /.test(l));
    expect(copies).toHaveLength(2);
    for (const line of copies) expect(second.stderr).toContain(`${line.split(" ")[0]} CACHED\n`);

    for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(output).not.toContain(azurite.accountKey);
    // The build history (request specs, logs) in both stores.
    expect(await allText(fx.store)).not.toContain(azurite.accountKey);
    expect(await allText(otherStore)).not.toContain(azurite.accountKey);
  });

  it("a wrong key fails the export with ERR_AZBLOB and no key in the output; ignore-error=true makes it a warning", async () => {
    const wrong = Buffer.from("a-wrong-key-for-the-cli-test").toString("base64");
    const bad = `type=azblob,account_url=${azurite.accountUrl},secret_access_key=${wrong},container=cli-bad`;
    const failed = await run(["build", fx.context, "--root", fx.store, "--progress", "plain", "--cache-to", bad]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/HTTP 403/);
    expect(failed.stderr + failed.stdout).not.toContain(wrong);
    const ignored = await run(["build", fx.context, "--root", fx.store, "--progress", "plain", "--cache-to", `${bad},ignore-error=true`]);
    expect(ignored.code).toBe(0);
    expect(ignored.stderr).toMatch(/HTTP 403/);
    expect(ignored.stderr + ignored.stdout).not.toContain(wrong);
    expect(await allText(fx.store)).not.toContain(wrong);
  });
});
