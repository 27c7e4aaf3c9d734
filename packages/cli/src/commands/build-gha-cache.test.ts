import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AZURITE_INSTALL_HINT, azuriteAvailable, skipUnless, startAzurite, startGhaCache, type TestAzurite, type TestGhaCache } from "@exp/testing";
import { fixture, run, type Fixture } from "../test-helpers.js";

// Issue 16, point 2: --cache-to/--cache-from type=gha through the CLI (in process), configured as
// on a GitHub runner: from ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL, against the v2 protocol
// server of @exp/testing with its bodies in Azurite.

async function allText(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name), "latin1"));
  }
  return parts.join("\n");
}

describe.skipIf(skipUnless(azuriteAvailable(), "azurite (npm)", AZURITE_INSTALL_HINT))("exp build --cache-to/--cache-from type=gha", () => {
  let azurite: TestAzurite;
  let gha: TestGhaCache;
  let fx: Fixture;
  let token: string;
  beforeAll(async () => {
    [azurite, fx] = await Promise.all([startAzurite(), fixture()]);
    gha = await startGhaCache({ azurite });
    token = gha.token([{ scope: "refs/heads/main", permission: 3 }]);
  }, 60_000);
  afterAll(async () => {
    await gha?.stop();
    await azurite?.stop();
    await fx?.cleanup();
  });

  it("takes the runner's environment, exports, and a build on an empty store is a full cache hit; the token is never printed nor stored", async () => {
    // The runner's variables, in the command's environment (runCli's `env`), as a runner step
    // exports them; process.env has none of them.
    const env = { HOME: fx.dir, SOURCE_DATE_EPOCH: "1700000000", ACTIONS_RUNTIME_TOKEN: token, ACTIONS_RESULTS_URL: gha.url, ACTIONS_CACHE_SERVICE_V2: "True" };
    expect(process.env.ACTIONS_RUNTIME_TOKEN).toBeUndefined();
    const first = await run(["build", fx.context, "--root", fx.store, "--progress", "plain", "--cache-to", "type=gha,mode=max,scope=cli"], { env });
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/exporting cache to GitHub Actions cache \(scope cli\)/);
    expect(first.stderr).toMatch(/cache:gha +saved to the GitHub Actions cache, scope cli/);

    const otherStore = join(fx.dir, "store-gha-2");
    const second = await run(["build", fx.context, "--root", otherStore, "--progress", "plain", "--cache-from", "type=gha,scope=cli"], { env });
    expect(second.code).toBe(0);
    const copies = second.stderr.split("\n").filter((l) => /^#\d+ \[\d\/2\] COPY /.test(l));
    expect(copies).toHaveLength(2);
    for (const line of copies) expect(second.stderr).toContain(`${line.split(" ")[0]} CACHED\n`);

    const secret = token.split(".")[2]!;
    for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) expect(output).not.toContain(secret);
    expect(await allText(fx.store)).not.toContain(secret);
    expect(await allText(otherStore)).not.toContain(secret);
  });

  it("a token given as an option is masked in history; version=1 is refused before the build, saying why", async () => {
    const spec = `type=gha,token=${token},url_v2=${gha.url},scope=cli-opt`;
    const done = await run(["build", fx.context, "--root", fx.store, "--progress", "plain", "--cache-to", spec], { env: { HOME: fx.dir } });
    expect(done.code).toBe(0);
    expect(await allText(fx.store)).not.toContain(token.split(".")[2]!);
    const v1 = await run(["build", fx.context, "--root", fx.store, "--progress", "plain", "--cache-to", `${spec},version=1`], { env: { HOME: fx.dir } });
    expect(v1.code).not.toBe(0);
    expect(v1.stderr).toMatch(/legacy cache service \(v1\) was shut down/);
    expect(v1.stderr + v1.stdout).not.toContain(token.split(".")[2]!);
  });
});
