import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { buildImage } from "./build-image.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-frontend-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function contextWith(dockerfile: string): Promise<string> {
  const root = join(dir, "ctx");
  await mkdir(root, { recursive: true });
  await writeFile(join(root, "Dockerfile"), dockerfile);
  await writeFile(join(root, "a.txt"), "a");
  return root;
}

describe("buildImage: # syntax= and # check=", () => {
  it("builds docker/dockerfile:1 files, with the skipped rule's warning left out", async () => {
    const context = await contextWith("# syntax=docker/dockerfile:1.7\n# check=skip=MaintainerDeprecated\nFROM scratch\nMAINTAINER me\nENV A b\nCOPY a.txt /\n");
    const result = await buildImage({ context, store });
    expect(result.warnings).toEqual([expect.stringMatching(/^Dockerfile:5:1: LegacyKeyValueFormat: /)]);
    expect((result.source.results[0]!.config as { author?: string }).author).toBe("me");
    await store.leases.release(result.lease);
  });

  it("fails the build under error=true, and names another frontend before trying to parse its file", async () => {
    await expect(buildImage({ context: await contextWith("# check=error=true\nFROM scratch\nENV A b\n"), store })).rejects.toMatchObject({
      code: "ERR_LINT_VIOLATION",
      message: expect.stringContaining("lint violation found for rules: LegacyKeyValueFormat"),
    });
    await expect(buildImage({ context: await contextWith("#!/usr/bin/env frontend\n// syntax = example.com/json:1\nbuild: [1, 2]\n"), store })).rejects.toMatchObject({
      code: "ERR_UNSUPPORTED_FRONTEND",
      line: 2,
      message: expect.stringContaining('"example.com/json:1"'),
    });
    expect(await store.leases.list()).toEqual([]);
  });
});
