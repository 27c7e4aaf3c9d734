import { link, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contextFsSource } from "./context-fs-source.js";
import type { CopyPlan } from "./copy-plan.js";
import { inlineFilesSource } from "./inline-files-source.js";
import { mergeCopyPlans } from "./merge-copy-plans.js";
import { selectCopySources, type SelectCopySourcesOptions } from "./select-copy-sources.js";
import { memoryFsSource, withTempDir, type MemoryNode } from "./test-support.js";
import { walkContext } from "./walk-context.js";

const context: Record<string, MemoryNode> = {
  "app/server.js": "server",
  "app/lib/util.js": "util",
  "app/lib/util.test.js": "test",
  "app/README.md": "readme",
  "config.json": "{}",
  "config.yaml": "a: 1",
  "docs/guide.md": "guide",
  "docs/img/logo.png": "png",
  "empty": { dir: true },
  "link-to-app": { symlink: "app" },
  "link-to-config": { symlink: "/config.json" },
  "app/lib/rel-link": { symlink: "../server.js" },
  "escape": { symlink: "../../etc/passwd" },
  "loop-a": { symlink: "loop-b" },
  "loop-b": { symlink: "loop-a" },
  "dangling": { symlink: "nothing-here" },
};

/** "to" of every entry, implied directories marked with "+". */
function shape(plan: CopyPlan): string[] {
  return plan.entries.map((e) => (e.implied ? `+${e.to}` : e.linkTo ? `${e.to}=>${e.linkTo}` : e.to));
}

async function plan(sources: string[], dest: string, options: Partial<SelectCopySourcesOptions> = {}): Promise<string[]> {
  return shape(await selectCopySources(memoryFsSource(context), sources, dest, { workdir: "/", ...options }));
}

describe("selectCopySources: Docker's COPY rules", () => {
  it.each<[string, string[], string, Partial<SelectCopySourcesOptions>, string[]]>([
    ["file -> file", ["config.json"], "/etc/app.json", {}, ["+/etc", "/etc/app.json"]],
    ["file -> dir/", ["config.json"], "/etc/app/", {}, ["+/etc", "+/etc/app", "/etc/app/config.json"]],
    ["dir copies its contents", ["docs"], "/srv/docs", {}, ["+/srv", "+/srv/docs", "/srv/docs/guide.md", "/srv/docs/img", "/srv/docs/img/logo.png"]],
    ["empty dir creates dest only", ["empty"], "/e", {}, ["+/e"]],
    ["dot copies the whole root", ["."], "/", {}, shapeOfWholeContext()],
    ["relative dest is relative to WORKDIR", ["config.json"], "conf/", { workdir: "/app" }, ["+/app", "+/app/conf", "/app/conf/config.json"]],
    ["dest . is the WORKDIR", ["config.json", "config.yaml"], ".", { workdir: "/w" }, ["+/w", "/w/config.json", "/w/config.yaml"]],
    ["wildcard expands in walk order", ["config.*"], "/c/", {}, ["+/c", "/c/config.json", "/c/config.yaml"]],
    ["wildcard in a middle component", ["app/*/util.js"], "/u/", {}, ["+/u", "/u/util.js"]],
    ["wildcard matching a dir copies its contents", ["do?s"], "/d/", {}, ["+/d", "/d/guide.md", "/d/img", "/d/img/logo.png"]],
    ["character class", ["config.[jy]*"], "/c/", {}, ["+/c", "/c/config.json", "/c/config.yaml"]],
    ["a wildcard with no match is skipped", ["nomatch*", "config.json"], "/x/", {}, ["+/x", "/x/config.json"]],
    ["absolute source means the same as relative", ["/app/lib/util.js"], "/u.js", {}, ["/u.js"]],
    ["top-level symlink to a dir is followed", ["link-to-app"], "/a", {}, ["+/a", "/a/README.md", "/a/lib", "/a/lib/rel-link", "/a/lib/util.js", "/a/lib/util.test.js", "/a/server.js"]],
    ["top-level absolute symlink resolves inside the root, keeps its name", ["link-to-config"], "/etc/", {}, ["+/etc", "/etc/link-to-config"]],
    ["symlink on the way is followed", ["link-to-app/lib/util.js"], "/u.js", {}, ["/u.js"]],
    ["exclude with .dockerignore rules, relative to the source", ["app"], "/a/", { exclude: ["*.md", "lib/*.test.js"] }, ["+/a", "/a/lib", "/a/lib/rel-link", "/a/lib/util.js", "/a/server.js"]],
    ["exclude a dir but re-include a file in it", ["."], "/r/", { exclude: ["docs", "!docs/img/logo.png", "app", "config.*", "empty", "*link*", "loop-*", "escape", "dangling"] }, ["+/r", "/r/docs", "/r/docs/img", "/r/docs/img/logo.png"]],
    ["exclude never removes the top-level source itself", ["config.json"], "/c.json", { exclude: ["*.json"] }, ["/c.json"]],
    ["parents keeps the source path", ["app/lib/util.js", "docs/guide.md"], "/p/", { parents: true }, ["+/p", "/p/app", "/p/app/lib", "/p/app/lib/util.js", "/p/docs", "/p/docs/guide.md"]],
    ["parents with a /./ pivot", ["app/./lib/util.js"], "/p/", { parents: true }, ["+/p", "/p/lib", "/p/lib/util.js"]],
    ["parents with ** and exclude", ["./app/**/*.js"], "/p/", { parents: true, exclude: ["**/*.test.js"] }, ["+/p", "/p/app", "/p/app/lib", "/p/app/lib/util.js", "/p/app/server.js"]],
  ])("%s", async (_name, sources, dest, options, expected) => {
    expect(await plan(sources, dest, options)).toEqual(expected);
  });

  it("keeps metadata of copied entries and synthesizes implied directories", async () => {
    const fs = memoryFsSource({ "bin/tool": { file: "x", mode: 0o4755, uid: 7, gid: 8 }, "bin": { dir: true, mode: 0o700, uid: 7, gid: 8 } });
    const result = await selectCopySources(fs, ["bin"], "/usr/local/bin", { workdir: "/" });
    expect(result.entries.map((e) => [e.to, e.from.type, e.from.mode.toString(8), e.from.uid, e.implied ?? false])).toEqual([
      ["/usr", "dir", "755", 0, true],
      ["/usr/local", "dir", "755", 0, true],
      ["/usr/local/bin", "dir", "755", 0, true],
      ["/usr/local/bin/tool", "file", "4755", 7, false],
    ]);
  });

  it.each<[string, string[], string, Partial<SelectCopySourcesOptions>, string, Record<string, unknown>]>([
    ["escape with ../", ["../secret"], "/x", {}, "ERR_COPY_OUTSIDE_CONTEXT", { source: "../secret" }],
    ["escape hidden in the middle", ["app/../../x"], "/x", {}, "ERR_COPY_OUTSIDE_CONTEXT", { source: "app/../../x" }],
    ["escape through a symlink", ["escape"], "/x", {}, "ERR_COPY_OUTSIDE_CONTEXT", { source: "escape" }],
    ["symlink loop", ["loop-a"], "/x", {}, "ERR_SYMLINK_LOOP", { path: "loop-a" }],
    ["missing source", ["nope.txt"], "/x", {}, "ERR_COPY_SOURCE_NOT_FOUND", { source: "nope.txt" }],
    ["dangling symlink", ["dangling"], "/x", {}, "ERR_COPY_SOURCE_NOT_FOUND", { source: "dangling" }],
    ["wildcard below a missing dir", ["nodir/*.js"], "/x/", {}, "ERR_COPY_SOURCE_NOT_FOUND", { source: "nodir/*.js" }],
    ["empty wildcard when asked to be strict", ["nomatch*"], "/x/", { allowEmptyWildcard: false }, "ERR_COPY_SOURCE_NOT_FOUND", { source: "nomatch*" }],
    ["several sources without trailing slash", ["config.json", "config.yaml"], "/etc/conf", {}, "ERR_COPY_DEST_NOT_DIR", { dest: "/etc/conf" }],
    ["one wildcard with several matches without trailing slash", ["config.*"], "conf", {}, "ERR_COPY_DEST_NOT_DIR", { dest: "conf" }],
    ["file used as a directory", ["config.json/x"], "/x", {}, "ERR_COPY_SOURCE_NOT_FOUND", {}],
    ["parents: missing literal path", ["app/nope.js"], "/p/", { parents: true }, "ERR_COPY_SOURCE_NOT_FOUND", {}],
  ])("refuses: %s", async (_name, sources, dest, options, code, fields) => {
    await expect(plan(sources, dest, options)).rejects.toMatchObject({ code, ...fields });
  });

  it("refuses a file and a directory at the same destination path, naming it", async () => {
    const fs = memoryFsSource({ x: "file", "sub/x/y": "in a dir" });
    await expect(selectCopySources(fs, ["x", "sub"], "/d/", { workdir: "/" })).rejects.toMatchObject({ code: "ERR_COPY_DIR_ONTO_NON_DIR", path: "/d/x" });
    await expect(selectCopySources(fs, ["sub", "x"], "/d/", { workdir: "/" })).rejects.toMatchObject({ code: "ERR_COPY_FILE_ONTO_DIR", path: "/d/x" });
  });

  it("a later source overwrites an earlier file at the same path", async () => {
    const fs = memoryFsSource({ "a/x": "first", "b/x": "second" });
    const result = await selectCopySources(fs, ["a/x", "b/x"], "/d/", { workdir: "/" });
    expect(result.entries.map((e) => [e.to, e.from.path])).toEqual([["/d", ""], ["/d/x", "b/x"]]);
  });
});

describe("hard links", () => {
  it("the first copied name holds the content, later ones link to it, from a real context", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "d"));
      await writeFile(join(dir, "d/a"), "shared");
      await link(join(dir, "d/a"), join(dir, "d/b"));
      await link(join(dir, "d/a"), join(dir, "z"));
      await writeFile(join(dir, "single"), "one link");
      const fs = contextFsSource(dir, await walkContext(dir));
      const listing = await fs.list();
      expect(listing.filter((e) => e.type === "hardlink").map((e) => [e.path, e.linkTarget])).toEqual([
        ["d/b", "d/a"],
        ["z", "d/a"],
      ]);
      expect(shape(await selectCopySources(fs, ["."], "/c/", { workdir: "/" }))).toEqual(["+/c", "/c/d", "/c/d/a", "/c/d/b=>/c/d/a", "/c/single", "/c/z=>/c/d/a"]);
      // Without the first name, the next one becomes the file; a file with one link copied twice stays two files.
      const partial = await selectCopySources(fs, ["d/b", "z", "single"], "/p/", { workdir: "/" });
      expect(shape(partial)).toEqual(["+/p", "/p/b", "/p/single", "/p/z=>/p/b"]);
      expect(partial.entries[1]?.from).toMatchObject({ path: "d/b", type: "file" });
      expect(shape(await selectCopySources(fs, ["single", "single"], "/q/", { workdir: "/" }))).toEqual(["+/q", "/q/single"]);
    });
  });
});

describe("inline files and merged plans", () => {
  it("copies heredoc files and merges them over files from the context", async () => {
    const fromContext = await selectCopySources(memoryFsSource({ "a.txt": "ctx", "b.txt": "ctx" }), ["a.txt", "b.txt"], "/d/", { workdir: "/" });
    const inline = inlineFilesSource([{ name: "b.txt", content: "heredoc\n" }, { name: "sub/c.sh", content: "#!/bin/sh\n", mode: 0o755 }]);
    const fromInline = await selectCopySources(inline, ["b.txt", "sub/c.sh"], "/d/", { workdir: "/" });
    const merged = mergeCopyPlans([fromContext, fromInline]);
    expect(shape(merged)).toEqual(["+/d", "/d/a.txt", "/d/b.txt", "/d/c.sh"]);
    expect(merged.entries.find((e) => e.to === "/d/b.txt")?.source).toBe(inline);
    expect(merged.entries.find((e) => e.to === "/d/c.sh")?.from).toMatchObject({ mode: 0o755, size: 10 });
  });
});

function shapeOfWholeContext(): string[] {
  return [
    "/app",
    "/app/README.md",
    "/app/lib",
    "/app/lib/rel-link",
    "/app/lib/util.js",
    "/app/lib/util.test.js",
    "/app/server.js",
    "/config.json",
    "/config.yaml",
    "/dangling",
    "/docs",
    "/docs/guide.md",
    "/docs/img",
    "/docs/img/logo.png",
    "/empty",
    "/escape",
    "/link-to-app",
    "/link-to-config",
    "/loop-a",
    "/loop-b",
  ];
}
