import { execFileSync } from "node:child_process";
import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import type { BadInputCase } from "./support/corpus.js";
import type { Sandbox } from "./support/sandbox.js";

// Build contexts whose paths try to leave the context: "..", symlinks (relative and absolute,
// to files and directories), globs, --parents, .dockerignore. A COPY never reads outside the
// context; a symlink inside a copied directory is copied as a symlink, never followed.

/** A secret beside the context, which no COPY may read. */
async function outside(sb: Sandbox): Promise<void> {
  await mkdir(sb.path("outside"), { recursive: true });
  await writeFile(sb.path("outside", "secret"), "top secret\n");
}

const toLocal = (sb: Sandbox) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`];
const toFresh = (sb: Sandbox) => ["build", sb.context, "-o", `type=local,dest=${sb.fresh}`];

/** Every file the export wrote, relative to `fresh/`, with symlinks as "-> target". */
async function exported(sb: Sandbox, dir = sb.fresh, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) out[prefix + name] = `-> ${await readlink(path)}`;
    else if (stat.isDirectory()) Object.assign(out, await exported(sb, path, `${prefix}${name}/`));
    else out[prefix + name] = await readFile(path, "utf8");
  }
  return out;
}

export const contextCases: BadInputCase[] = [
  {
    name: "COPY ../ out of the context",
    setup: outside,
    dockerfile: "FROM scratch\nCOPY ../outside/secret /\n",
    argv: toLocal,
    exit: 1,
    code: "ERR_COPY_OUTSIDE_CONTEXT",
    message: [/^Dockerfile:\d+:\d+: COPY source "\.\.\/outside\/secret" is outside the build context$/],
  },
  {
    name: "COPY of a symlink that climbs out of the context",
    setup: async (sb) => {
      await outside(sb);
      await symlink("../outside/secret", join(sb.context, "link"));
    },
    dockerfile: "FROM scratch\nCOPY link /\n",
    argv: toLocal,
    exit: 1,
    code: "ERR_COPY_OUTSIDE_CONTEXT",
    message: [/^Dockerfile:\d+:\d+: COPY source "link" is outside the build context \(a symlink on the way climbs above the root\)$/],
  },
  {
    name: "COPY through a symlinked directory that points out of the context",
    setup: async (sb) => {
      await outside(sb);
      await symlink("../outside", join(sb.context, "vendor"));
    },
    dockerfile: "FROM scratch\nCOPY vendor/secret /\n",
    argv: toLocal,
    exit: 1,
    code: "ERR_COPY_OUTSIDE_CONTEXT",
    message: [/"vendor\/secret" is outside the build context \(a symlink on the way climbs above the root\)/],
  },
  {
    name: "COPY of an absolute symlink to a host file is resolved inside the context",
    setup: async (sb) => {
      await outside(sb);
      await symlink(sb.path("outside", "secret"), join(sb.context, "abs"));
    },
    dockerfile: "FROM scratch\nCOPY abs /\n",
    argv: toLocal,
    exit: 1,
    code: "ERR_COPY_SOURCE_NOT_FOUND",
    message: [/^Dockerfile:\d+:\d+: COPY source "abs" not found: it is a symbolic link to ".*outside\/secret", which is not in the build context/, /resolved inside the context/],
  },
  {
    name: "a symlink loop",
    setup: async (sb) => {
      await symlink("loop-b", join(sb.context, "loop-a"));
      await symlink("loop-a", join(sb.context, "loop-b"));
    },
    dockerfile: "FROM scratch\nCOPY loop-a /\n",
    argv: toLocal,
    exit: 1,
    code: "ERR_SYMLINK_LOOP",
    message: [/too many levels of symbolic links while resolving "loop-a"/],
  },
  {
    name: "a wildcard that climbs out of the context",
    setup: outside,
    dockerfile: "FROM scratch\nCOPY ../*/secret /\n",
    argv: toLocal,
    exit: 1,
    code: "ERR_COPY_OUTSIDE_CONTEXT",
    message: [/"\.\.\/\*\/secret" is outside the build context/],
  },
  {
    name: "COPY --parents with a pivot above the context",
    setup: outside,
    dockerfile: "FROM scratch\nCOPY --parents ./../outside/secret /\n",
    argv: toLocal,
    exit: 1,
    code: "ERR_COPY_OUTSIDE_CONTEXT",
    message: [/"\.\/\.\.\/outside\/secret" is outside the build context/],
  },
  {
    name: "COPY of a named pipe: copied as a pipe (BuildKit's copier recreates it), left out of a local export with a warning",
    setup: async (sb) => void execFileSync("mkfifo", [join(sb.context, "pipe")]),
    dockerfile: "FROM scratch\nCOPY pipe a.txt /\n",
    argv: toFresh,
    exit: 0,
    message: [/fifo "pipe" is not exported/],
    verify: async (sb) => {
      expect(await exported(sb)).toEqual({ "a.txt": "a\n" });
    },
  },
  {
    name: "a .dockerignore that is a directory",
    setup: async (sb) => void (await mkdir(join(sb.context, ".dockerignore"))),
    argv: toLocal,
    exit: 1,
    code: "ERR_DOCKERIGNORE_UNREADABLE",
    message: [/cannot read .*ctx\/\.dockerignore: it is a directory; \.dockerignore must be a text file of patterns/],
  },
  {
    name: "a .dockerignore pattern that is not valid",
    setup: async (sb) => writeFile(join(sb.context, ".dockerignore"), "node_modules\n[\n"),
    argv: toLocal,
    exit: 1,
    code: "ERR_INVALID_PATTERN",
    message: [/^Dockerfile:\d+:\d+: invalid pattern "\[": malformed character class$/],
  },
  {
    name: "a context that does not exist",
    argv: (sb) => ["build", sb.path("nowhere"), "-o", `type=local,dest=${sb.dest.local}`],
    exit: 1,
    code: "ERR_CONTEXT_NOT_FOUND",
    message: [/the build context .*nowhere does not exist/],
    beforeBuild: true,
  },
  {
    name: "a context that is a file",
    argv: (sb) => ["build", sb.path("ctx", "a.txt"), "-o", `type=local,dest=${sb.dest.local}`],
    exit: 1,
    code: "ERR_CONTEXT_NOT_FOUND",
    message: [/the build context .*ctx\/a\.txt is not a directory/],
    beforeBuild: true,
  },
  {
    name: "COPY . keeps symlinks that point out of the context as symlinks, reading nothing outside",
    setup: async (sb) => {
      await outside(sb);
      await symlink("../outside/secret", join(sb.context, "rel"));
      await symlink(sb.path("outside", "secret"), join(sb.context, "abs"));
      await symlink("../outside", join(sb.context, "dir"));
    },
    dockerfile: "FROM scratch\nCOPY . /\n",
    argv: toFresh,
    exit: 0,
    verify: async (sb) => {
      const files = await exported(sb);
      expect(files).toMatchObject({ rel: "-> ../outside/secret", abs: `-> ${sb.path("outside", "secret")}`, dir: "-> ../outside", "a.txt": "a\n" });
      expect(Object.values(files)).not.toContain("top secret\n");
    },
  },
  {
    name: "a COPY destination with .. is kept inside the image root (as BuildKit does)",
    dockerfile: "FROM scratch\nCOPY a.txt ../../../../escape.txt\nWORKDIR ../../..\nCOPY a.txt here.txt\n",
    argv: toFresh,
    exit: 0,
    verify: async (sb) => {
      expect(await exported(sb)).toEqual({ "escape.txt": "a\n", "here.txt": "a\n" });
    },
  },
];
