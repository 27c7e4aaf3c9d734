import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { AbortedError } from "@exp/errors";
import { buildImage } from "./build-image.js";

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-bad-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function contextWith(dockerfile: string, setup: (root: string) => Promise<void> = async () => {}): Promise<string> {
  const root = join(dir, "context");
  await mkdir(root, { recursive: true });
  await writeFile(join(root, "Dockerfile"), dockerfile);
  await writeFile(join(root, "app.js"), "1");
  await setup(root);
  return root;
}

/** Each bad input gives exactly one typed error whose message names the culprit, and leaks no lease. */
const cases: Array<{ name: string; dockerfile: string; setup?: (root: string) => Promise<void>; code: string; names: RegExp }> = [
  { name: "a missing file", dockerfile: "FROM scratch\nCOPY missing.js /app/\n", code: "ERR_COPY_SOURCE_NOT_FOUND", names: /missing\.js/ },
  { name: "a path escaping the context", dockerfile: "FROM scratch\nCOPY ../outside /app/\n", code: "ERR_COPY_OUTSIDE_CONTEXT", names: /\.\.\/outside/ },
  {
    name: "a symlink loop",
    dockerfile: "FROM scratch\nCOPY loop-a /app/\n",
    setup: async (root) => {
      await symlink("loop-b", join(root, "loop-a"));
      await symlink("loop-a", join(root, "loop-b"));
    },
    code: "ERR_SYMLINK_LOOP",
    names: /loop-/,
  },
  {
    name: "a symlink climbing out of the context",
    dockerfile: "FROM scratch\nCOPY escape /app/\n",
    setup: async (root) => void (await symlink("../../../etc", join(root, "escape"))),
    code: "ERR_COPY_OUTSIDE_CONTEXT",
    names: /escape/,
  },
  { name: "an unknown instruction", dockerfile: "FROM scratch\nCOPPY app.js /\n", code: "ERR_UNKNOWN_INSTRUCTION", names: /^Dockerfile:2:1: unknown instruction: COPPY \(did you mean COPY\?\)$/ },
  { name: "a bad platform string", dockerfile: "FROM --platform=linux/amd64/v3/extra scratch\nCOPY app.js /\n", code: "ERR_DOCKERFILE_SYNTAX", names: /^Dockerfile:1:6: .*linux\/amd64\/v3\/extra/ },
  { name: "several sources into a file", dockerfile: "FROM scratch\nCOPY app.js Dockerfile /app\n", code: "ERR_COPY_DEST_NOT_DIR", names: /\/app/ },
  { name: "a --chown user name on an image without /etc/passwd", dockerfile: "FROM scratch\nCOPY --chown=node app.js /app/\n", code: "ERR_CHOWN_UNKNOWN", names: /--chown=node: the image has no \/etc\/passwd/ },
  {
    name: "a --chown user the image does not have",
    dockerfile: "FROM scratch AS base\nCOPY passwd /etc/passwd\nFROM base\nCOPY --chown=nobody2 app.js /app/\n",
    setup: async (root) => writeFile(join(root, "passwd"), "root:x:0:0:root:/root:/bin/sh\n"),
    code: "ERR_CHOWN_UNKNOWN",
    names: /no user "nobody2"/,
  },
];

describe("bad Dockerfiles and contexts", () => {
  it.each(cases)("$name", async ({ dockerfile, setup, code, names }) => {
    const failure = await buildImage({ context: await contextWith(dockerfile, setup), store }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code });
    expect((failure as Error).message).toMatch(names);
    expect(await store.leases.list()).toEqual([]);
  });

  it("a context directory that does not exist", async () => {
    await expect(buildImage({ context: join(dir, "nowhere"), store })).rejects.toMatchObject({ code: expect.stringMatching(/ERR_CONTEXT_NOT_FOUND|ENOENT/) });
  });
});

describe("cancellation", () => {
  it("stops when its signal fires, with AbortedError, releasing the build lease", async () => {
    const root = await contextWith("FROM scratch\nCOPY app.js /a/\nCOPY app.js /b/\n");
    const controller = new AbortController();
    const failure = await buildImage({
      context: root,
      store,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === "vertex" && event.status === "started") controller.abort(new Error("user cancelled"));
      },
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AbortedError);
    expect((failure as Error).message).toContain("user cancelled");
    expect(await store.leases.list()).toEqual([]);
  });
});
