import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipUnlessTools, startRegistry, type TestRegistry } from "@exp/testing";
import { fixture, run, type Fixture } from "../test-helpers.js";

// buildx's --pull (BuildKit's resolve mode "pull"): a tag moved at the registry since the last
// build is seen by the next one. The base is retagged between builds on one store, where every
// step of the first build is cached.
describe.skipIf(skipUnlessTools("docker-registry"))("exp build --pull against a real registry", () => {
  let registry: TestRegistry;
  let fx: Fixture;
  let base: string;

  /** Builds a one-file base saying `content` and pushes it as `base` (moving the tag). */
  async function pushBase(content: string): Promise<string> {
    const context = join(fx.dir, `base-${content}`);
    await mkdir(context, { recursive: true });
    await writeFile(join(context, "version.txt"), content);
    await writeFile(join(context, "Dockerfile"), "FROM scratch\nCOPY version.txt /\n");
    const metadata = join(fx.dir, `base-${content}.json`);
    const result = await run(["build", context, "-t", base, "--push", "--root", join(fx.dir, "base-store"), "--metadata-file", metadata]);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(await readFile(metadata, "utf8")) as Record<string, string>)["containerimage.digest"]!;
  }

  /** Builds FROM the base into a directory; what the base's file says, and the build's output. */
  async function buildApp(flags: string[], name: string): Promise<{ version: string; stderr: string }> {
    const dest = join(fx.dir, name);
    const result = await run(["build", fx.context, "-o", `type=local,dest=${dest}`, "--root", fx.store, "--progress", "plain", ...flags]);
    expect(result.code, result.stderr).toBe(0);
    return { version: await readFile(join(dest, "version.txt"), "utf8"), stderr: result.stderr };
  }

  /** Whether the plain progress shows the app's COPY as a cache hit. */
  function copyCached(stderr: string): boolean {
    const step = /#(\d+) \[\d+\/\d+\] COPY README\.txt/.exec(stderr);
    expect(step, stderr).not.toBeNull();
    return stderr.includes(`#${step![1]} CACHED\n`);
  }

  beforeAll(async () => {
    registry = await startRegistry();
    base = `${registry.host}/exp/pull-base:1`;
    fx = await fixture(`FROM ${base}\nCOPY README.txt /\n`);
  });
  afterAll(async () => {
    await registry?.stop();
    await fx?.cleanup();
  });

  it("sees a retagged base with --pull, and without it too: exp keeps no local resolution of a tag", async () => {
    const first = await pushBase("one");
    expect((await buildApp([], "first")).version).toBe("one");
    expect(copyCached((await buildApp([], "again")).stderr)).toBe(true);

    const second = await pushBase("two");
    expect(second).not.toBe(first);
    const pulled = await buildApp(["--pull"], "pulled");
    expect(pulled.version).toBe("two");
    // The COPY onto the new base is built again, not taken from the cache of the old one.
    expect(copyCached(pulled.stderr)).toBe(false);

    const third = await pushBase("three");
    expect(third).not.toBe(second);
    expect((await buildApp([], "default")).version).toBe("three");
  });
});
