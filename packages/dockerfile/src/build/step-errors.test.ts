import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { buildImage } from "./build-image.js";

// issue 19, point 7: every Dockerfile error carries file:line:column, and names the ignore-file
// line that left a COPY source out.

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-step-errors-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function failure(files: Record<string, string>, dockerfile?: string): Promise<Error & { code?: string }> {
  const context = join(dir, "ctx");
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(context, path, ".."), { recursive: true });
    await writeFile(join(context, path), content);
  }
  const error = await buildImage({ context, store, ...(dockerfile ? { dockerfile: join(context, dockerfile) } : {}) }).then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  );
  if (!error) throw new Error("the build succeeded");
  return error;
}

describe("errors of build steps say where in the Dockerfile", () => {
  it("a missing COPY source, with its line and column, keeping its code", async () => {
    const error = await failure({ Dockerfile: "FROM scratch\n\n  COPY missing.txt /\n" });
    expect(error.code).toBe("ERR_COPY_SOURCE_NOT_FOUND");
    expect(error.message).toBe('Dockerfile:3:3: COPY source "missing.txt" not found');
  });

  it("a source the context has but .dockerignore left out names the line that did it", async () => {
    const error = await failure({ ".dockerignore": "# build output\n*.log\nsecret.txt\n", "secret.txt": "s", Dockerfile: "FROM scratch\nCOPY secret.txt /\n" });
    expect(error.message).toBe('Dockerfile:2:1: COPY source "secret.txt" not found (it is in the build context, but excluded by .dockerignore line 3: secret.txt)');
  });

  it("with -f, the Dockerfile's path and its own ignore file", async () => {
    const error = await failure(
      { "build/app.Dockerfile": "FROM scratch\nCOPY notes.md /\n", "build/app.Dockerfile.dockerignore": "*.md\n", "notes.md": "n" },
      "build/app.Dockerfile",
    );
    expect(error.message).toMatch(/build\/app\.Dockerfile:2:1: COPY source "notes\.md" not found \(it is in the build context, but excluded by app\.Dockerfile\.dockerignore line 1: \*\.md\)$/);
  });

  it("a FROM --platform that is not a platform, at its FROM", async () => {
    const error = await failure({ Dockerfile: "FROM scratch\nFROM --platform=linux/armm64 scratch\n" });
    expect(error.message).toMatch(/^Dockerfile:2:1: FROM --platform: .*unknown architecture "armm64" \(did you mean "linux\/arm64"\?\)/);
  });

  it("a --chown name the base does not have, and a base image that cannot be read", async () => {
    expect((await failure({ f: "x", Dockerfile: "FROM scratch\nCOPY --chown=nobody f /f\n" })).message).toMatch(/^Dockerfile:2:1: --chown=nobody: /);
    const missingBase = await failure({ Dockerfile: `FROM oci-layout://${join(dir, "nowhere")}:v1\nCOPY f /\n` });
    expect(missingBase.message).toMatch(/^Dockerfile:1:1: /);
  });
});
