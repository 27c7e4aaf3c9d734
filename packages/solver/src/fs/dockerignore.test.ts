import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDockerignore, readDockerignore } from "./dockerignore.js";
import { withTempDir } from "./test-support.js";

describe("parseDockerignore", () => {
  it("drops comments, blank lines, a BOM and CRs; trims and cleans; keeps !", () => {
    const text = "\uFEFF# comment\r\nnode_modules\r\n\n   \n  *.log  \n./build/\n/abs/path\na/../b\n!  keep.log\n  # not a comment, a pattern\n!/rooted\n";
    expect(parseDockerignore(text)).toEqual(["node_modules", "*.log", "build", "abs/path", "b", "!keep.log", "# not a comment, a pattern", "!rooted"]);
  });

  it("keeps a lone / and a lone ! (createIgnoreMatcher rejects the latter)", () => {
    expect(parseDockerignore("/\n!\n")).toEqual(["/", "!"]);
  });
});

describe("readDockerignore", () => {
  it("reads <context>/.dockerignore and returns [] when there is none", async () => {
    await withTempDir(async (dir) => {
      expect(await readDockerignore(dir)).toEqual([]);
      await writeFile(join(dir, ".dockerignore"), "*.tmp\n!important.tmp\n");
      expect(await readDockerignore(dir)).toEqual(["*.tmp", "!important.tmp"]);
    });
  });

  it("prefers <Dockerfile>.dockerignore beside the Dockerfile, instead of (not merged with) the context's", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "build"));
      await writeFile(join(dir, ".dockerignore"), "from-context\n");
      const dockerfile = join(dir, "build", "app.Dockerfile");
      expect(await readDockerignore(dir, { dockerfile })).toEqual(["from-context"]);
      await writeFile(`${dockerfile}.dockerignore`, "secrets/\n");
      expect(await readDockerignore(dir, { dockerfile })).toEqual(["secrets"]);
      await mkdir(`${join(dir, "build", "dir.Dockerfile")}.dockerignore`);
      await expect(readDockerignore(dir, { dockerfile: join(dir, "build", "dir.Dockerfile") })).rejects.toMatchObject({ code: "ERR_DOCKERIGNORE_UNREADABLE" });
    });
  });

  it("honours an aborted signal", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(readDockerignore("/nonexistent", { signal: controller.signal })).rejects.toMatchObject({ code: "ERR_ABORTED" });
  });
});
