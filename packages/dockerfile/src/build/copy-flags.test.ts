import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import type { Layer } from "@exp/solver";
import { buildImage } from "./build-image.js";
import { readLayerEntries, writeContextFiles, type ContextFiles } from "./test-support/layer-files.js";

// Every flag the parser accepts on COPY and ADD either changes the layer (shown against the same
// instruction without it) or is refused: none is accepted and ignored (issue 13).

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-flags-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const files: ContextFiles = {
  f: "context f",
  passwd: "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
  group: "root:x:0:\napp:x:1000:\n",
  "tree/x": { symlink: "opt" },
  "tree/opt/keep": "k",
  "d/a.txt": "a",
  "d/b.md": "b",
  "p/q/r": "deep",
};

function context(): Promise<string> {
  return writeContextFiles(join(dir, `ctx-${Math.random().toString(36).slice(2)}`), files);
}

/** "name mode uid:gid [content]" of every entry of a layer. */
async function entries(layer: Layer): Promise<string[]> {
  return (await readLayerEntries(layer)).map(({ header, content }) => `${header.name} ${(header.mode ?? 0).toString(8)} ${header.uid}:${header.gid}${header.type === "file" ? ` ${content.toString("utf8")}` : ""}`);
}

// A base with /etc/passwd, /etc/group, a symlink /x -> opt, and a stage "other" with its own /f.
const prelude = "FROM scratch AS other\nCOPY passwd /f\nFROM scratch AS base\nCOPY passwd group /etc/\nCOPY tree/ /\nFROM base\n";

/** The entries of the layer the last instruction writes. */
async function lastLayer(instruction: string): Promise<string[]> {
  const result = await buildImage({ context: await context(), store, dockerfile: await dockerfile(`${prelude}${instruction}\n`) });
  try {
    return await entries(result.source.results[0]!.ref.layers.at(-1)!);
  } finally {
    await store.leases.release(result.lease);
  }
}

async function dockerfile(text: string): Promise<string> {
  const path = join(dir, `Dockerfile-${Math.random().toString(36).slice(2)}`);
  await writeFile(path, text);
  return path;
}

async function refusal(instruction: string): Promise<unknown> {
  return buildImage({ context: await context(), store, dockerfile: await dockerfile(`${prelude}${instruction}\n`) }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe.each(["COPY", "ADD"])("%s flags change the layer", (op) => {
  it("--chown", async () => {
    expect(await lastLayer(`${op} f /f`)).toEqual(["f 644 0:0 context f"]);
    expect(await lastLayer(`${op} --chown=app f /f`)).toEqual(["f 644 1000:1000 context f"]);
  });

  it("--chmod", async () => {
    expect(await lastLayer(`${op} --chmod=600 f /f`)).toEqual(["f 600 0:0 context f"]);
  });

  it("--link (files placed on nothing: the base's symlink /x is not followed)", async () => {
    expect(await lastLayer(`${op} f /x/f`)).toEqual(["opt/ 755 0:0", "opt/f 644 0:0 context f"]);
    expect(await lastLayer(`${op} --link f /x/f`)).toEqual(["x/ 755 0:0", "x/f 644 0:0 context f"]);
  });

  it("--exclude", async () => {
    expect(await lastLayer(`${op} d /d/`)).toEqual(["d/ 755 0:0", "d/a.txt 644 0:0 a", "d/b.md 644 0:0 b"]);
    expect(await lastLayer(`${op} --exclude=*.md d /d/`)).toEqual(["d/ 755 0:0", "d/a.txt 644 0:0 a"]);
  });
});

describe("COPY-only flags", () => {
  it("--from takes the file from the stage", async () => {
    expect(await lastLayer("COPY --from=other f /g")).toEqual([`g 644 0:0 ${files["passwd"]}`]);
  });

  it("--parents keeps the source's directories", async () => {
    expect(await lastLayer("COPY p/q/r /out/")).toEqual(["out/ 755 0:0", "out/r 644 0:0 deep"]);
    expect(await lastLayer("COPY --parents p/q/r /out/")).toEqual(["out/ 755 0:0", "out/p/ 755 0:0", "out/p/q/ 755 0:0", "out/p/q/r 644 0:0 deep"]);
  });
});

describe("flags that are refused", () => {
  it.each([
    ["ADD --keep-git-dir=true f /f", "ERR_UNSUPPORTED_GIT_SOURCE", /git sources are not supported/],
    ["ADD --keep-git-dir=false f /f", "ERR_UNSUPPORTED_GIT_SOURCE", /git sources are not supported/],
    ["ADD https://github.com/moby/buildkit.git#v0.13 /src", "ERR_UNSUPPORTED_GIT_SOURCE", /ADD of a git repository is not supported/],
    [`ADD --checksum=sha256:${"0".repeat(64)} f /f`, "ERR_DOCKERFILE_SYNTAX", /a checksum requires an HTTP\(S\) source/],
    ["ADD --parents p/q/r /out/", "ERR_DOCKERFILE_SYNTAX", /unknown flag --parents for ADD/],
    ["ADD --from=other f /g", "ERR_DOCKERFILE_SYNTAX", /unknown flag --from for ADD/],
    ["ADD --unpack=true f /f", "ERR_DOCKERFILE_SYNTAX", /unknown flag --unpack for ADD/],
    [`COPY --checksum=sha256:${"0".repeat(64)} f /f`, "ERR_DOCKERFILE_SYNTAX", /unknown flag --checksum for COPY/],
    ["COPY --keep-git-dir f /f", "ERR_DOCKERFILE_SYNTAX", /unknown flag --keep-git-dir for COPY/],
  ])("%s", async (instruction, code, message) => {
    const error = await refusal(instruction);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
  });
});
