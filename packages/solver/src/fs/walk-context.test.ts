import { execFileSync } from "node:child_process";
import { chmod, link, mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createIgnoreMatcher } from "./ignore-matcher.js";
import { withTempDir } from "./test-support.js";
import { walkContext } from "./walk-context.js";

function hasMkfifo(): boolean {
  try {
    execFileSync("mkfifo", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function listen(path: string): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

describe("walkContext", () => {
  it("lists files, dirs, symlinks and hard links without following links, in byte order, with fifos, skipping sockets", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "app/lib"), { recursive: true });
      await mkdir(join(dir, "app-b"));
      await writeFile(join(dir, "app/server.js"), "console.log(1)\n");
      await writeFile(join(dir, "app/lib/util.js"), "x");
      await writeFile(join(dir, "app-b/z"), "");
      await writeFile(join(dir, "é.txt"), "e");
      await writeFile(join(dir, "Z.txt"), "z");
      await chmod(join(dir, "app/server.js"), 0o4755);
      await symlink("server.js", join(dir, "app/link"));
      await symlink("/etc/passwd", join(dir, "abs-link"));
      await link(join(dir, "app/server.js"), join(dir, "hard.js"));
      const server = await listen(join(dir, "app/sock"));
      const fifo = hasMkfifo();
      if (fifo) execFileSync("mkfifo", [join(dir, "fifo")]);
      try {
        const entries = await walkContext(dir);
        expect(entries.map((e) => e.path).filter((path) => path !== "fifo")).toEqual([
          "Z.txt",
          "abs-link",
          "app",
          "app-b",
          "app-b/z",
          "app/lib",
          "app/lib/util.js",
          "app/link",
          "app/server.js",
          "hard.js",
          "é.txt",
        ]);
        const byPath = new Map(entries.map((e) => [e.path, e]));
        expect(byPath.get("app/server.js")).toMatchObject({ type: "file", mode: 0o4755, size: 15, nlink: 2 });
        expect(byPath.get("hard.js")?.ino).toBe(byPath.get("app/server.js")?.ino);
        expect(byPath.get("app/link")).toMatchObject({ type: "symlink", linkTarget: "server.js", size: 0 });
        expect(byPath.get("abs-link")).toMatchObject({ type: "symlink", linkTarget: "/etc/passwd" });
        expect(byPath.get("app")).toMatchObject({ type: "dir", size: 0 });
        if (fifo) expect(byPath.get("fifo")).toMatchObject({ type: "fifo", size: 0 });
        expect(typeof byPath.get("app")?.mtimeMs).toBe("number");
      } finally {
        server.close();
      }
    });
  });

  it("leaves out ignored paths, walks into an ignored dir only when an exception can re-include something", async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, "node_modules/pkg"), { recursive: true });
      await mkdir(join(dir, "docs/img"), { recursive: true });
      await writeFile(join(dir, "node_modules/pkg/index.js"), "");
      await writeFile(join(dir, "docs/README.md"), "");
      await writeFile(join(dir, "docs/guide.md"), "");
      await writeFile(join(dir, "docs/img/a.png"), "");
      await writeFile(join(dir, "main.go"), "");
      await writeFile(join(dir, "debug.log"), "");
      const matcher = createIgnoreMatcher(["node_modules", "docs", "!docs/README.md", "*.log"]);
      const ignores = vi.spyOn(matcher, "ignores");
      const entries = await walkContext(dir, { matcher });
      // docs is ignored but listed, because docs/README.md is re-included below it.
      expect(entries.map((e) => e.path)).toEqual(["docs", "docs/README.md", "main.go"]);
      // node_modules was never entered: nothing below it was even asked about.
      expect(ignores.mock.calls.some(([path]) => path.startsWith("node_modules/"))).toBe(false);
    });
  });

  it("refuses a missing context or one that is not a directory", async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "file"), "");
      await expect(walkContext(join(dir, "missing"))).rejects.toMatchObject({ code: "ERR_CONTEXT_NOT_FOUND", contextDir: join(dir, "missing") });
      await expect(walkContext(join(dir, "file"))).rejects.toMatchObject({ code: "ERR_CONTEXT_NOT_FOUND" });
    });
  });

  it("honours an aborted signal", async () => {
    await withTempDir(async (dir) => {
      const controller = new AbortController();
      controller.abort();
      await expect(walkContext(dir, { signal: controller.signal })).rejects.toMatchObject({ code: "ERR_ABORTED" });
    });
  });

  it("lists a tree larger than one stretch between event-loop turns, and stops when aborted part way", async () => {
    await withTempDir(async (dir) => {
      for (let d = 0; d < 12; d++) {
        await mkdir(join(dir, `d${d}`));
        for (let f = 0; f < 100; f++) await writeFile(join(dir, `d${d}`, `f${f}`), "x");
      }
      const entries = await walkContext(dir);
      expect(entries).toHaveLength(12 + 1200);
      expect(entries.map((e) => e.path)).toEqual([...entries.map((e) => e.path)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      // The walk gives the event loop a turn now and then, so an abort from a timer lands mid-walk.
      const controller = new AbortController();
      setImmediate(() => controller.abort());
      await expect(walkContext(dir, { signal: controller.signal })).rejects.toMatchObject({ code: "ERR_ABORTED" });
    });
  });

  it("reports mtimes as they are on disk", async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "f"), "");
      await utimes(join(dir, "f"), 1_000_000, 1_000_000);
      const [entry] = await walkContext(dir);
      expect(entry?.mtimeMs).toBe(1_000_000_000);
    });
  });
});
