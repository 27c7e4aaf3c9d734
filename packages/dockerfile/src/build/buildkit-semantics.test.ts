import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import type { Layer } from "@exp/solver";
import { buildImage } from "./build-image.js";
import { readLayerEntries, writeContextFiles, type ContextFiles } from "./test-support/layer-files.js";

// What BuildKit's Dockerfile front end does beyond placing files (those rules are tested with the
// solver's copy-onto-base tests and against buildah in the differential suite): WORKDIR's layer,
// ONBUILD, ENV order, --chown and --chmod forms, FROM scratch's config.

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-semantics-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function context(files: ContextFiles): Promise<string> {
  return writeContextFiles(join(dir, `ctx-${Math.random().toString(36).slice(2)}`), files);
}

/** "name mode uid:gid" of every entry of a layer. */
async function entries(layer: Layer): Promise<string[]> {
  return (await readLayerEntries(layer)).map(({ header }) => `${header.name} ${(header.mode ?? 0).toString(8)} ${header.uid}:${header.gid}`);
}

async function build(files: ContextFiles) {
  const result = await buildImage({ context: await context(files), store, sourceDateEpoch: 1_700_000_000 });
  const [only] = result.source.results;
  return { layers: only!.ref.layers, config: only!.config as Record<string, any>, lease: result.lease };
}

const passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n";
const group = "root:x:0:\napp:x:1001:\nstaff:x:50:\n";

describe("WORKDIR creates its directory, as its own layer", () => {
  it("with its missing parents, owned by the USER of the stage, and keeps existing parents", async () => {
    const { layers, config } = await build({
      passwd,
      group,
      Dockerfile: "FROM scratch AS base\nCOPY passwd /etc/passwd\nCOPY group /etc/group\nCOPY group /srv/keep\nFROM base\nUSER app\nWORKDIR /srv/app/data\n",
    });
    expect(await entries(layers.at(-1)!)).toEqual(["srv/ 755 0:0", "srv/app/ 755 1000:1001", "srv/app/data/ 755 1000:1001"]);
    expect(config.config.WorkingDir).toBe("/srv/app/data");
    expect(config.history.at(-1)).toMatchObject({ created_by: "WORKDIR /srv/app/data" });
    expect(config.history.at(-1).empty_layer).toBeUndefined();
  });

  it("writes an empty layer when the directory exists, and none for WORKDIR /", async () => {
    const { layers, config } = await build({ f: "x", Dockerfile: "FROM scratch\nCOPY f /app/f\nWORKDIR /app\nWORKDIR /\n" });
    expect(layers).toHaveLength(2);
    expect(await entries(layers[1]!)).toEqual([]);
    expect(config.history.map((h: { empty_layer?: boolean }) => h.empty_layer ?? false)).toEqual([false, false, true]);
  });

  it("lets a later stage COPY --from the directory WORKDIR made", async () => {
    const { layers } = await build({ Dockerfile: "FROM scratch AS w\nWORKDIR /work\nFROM scratch\nCOPY --from=w /work /copied\n" });
    expect(await entries(layers[0]!)).toEqual(["copied/ 755 0:0"]);
  });
});

describe("each step places its files onto what the steps before it wrote", () => {
  it("in the same build and when the steps before come from the cache", async () => {
    const files = { "tree/x": { symlink: "opt" }, "tree/opt/keep": "k", f: "one", Dockerfile: "FROM scratch AS base\nCOPY tree/ /\nFROM base\nCOPY f /x/f\n" };
    const root = await context(files);
    const first = await buildImage({ context: root, store });
    expect(await entries(first.source.results[0]!.ref.layers[1]!)).toEqual(["opt/ 755 0:0", "opt/f 644 0:0"]);
    await writeFile(join(root, "f"), "two");
    const second = await buildImage({ context: root, store });
    expect(second.source.results[0]!.ref.layers[0]!.diffID).toBe(first.source.results[0]!.ref.layers[0]!.diffID);
    expect(await entries(second.source.results[0]!.ref.layers[1]!)).toEqual(["opt/ 755 0:0", "opt/f 644 0:0"]);
  });
});

describe("--link", () => {
  it("places files on nothing, unless --chmod is given (then BuildKit makes a plain COPY)", async () => {
    const files = { "tree/x": { symlink: "opt" }, "tree/opt/keep": "k", f: "one", Dockerfile: "FROM scratch AS base\nCOPY tree/ /\nFROM base\nCOPY --link --chmod=600 f /x/g\nCOPY --link f /x/f\n" };
    const { layers } = await build(files);
    expect(await entries(layers[1]!)).toEqual(["opt/ 755 0:0", "opt/g 600 0:0"]);
    // Its own parents, as plain directories: BuildKit's documented --link caveat.
    expect(await entries(layers[2]!)).toEqual(["x/ 755 0:0", "x/f 644 0:0"]);
  });
});

describe("progress names", () => {
  it("number the steps of each stage as BuildKit does: [stage n/total], config instructions uncounted", async () => {
    const names: string[] = [];
    const root = await context({ f: "x", Dockerfile: "FROM scratch AS app\nWORKDIR /w\nENV A=1\nLABEL l=1\nCOPY f /f\nWORKDIR /\n" });
    await buildImage({ context: root, store, onProgress: (event) => void (event.type === "vertex" && event.status === "started" && names.push(event.name)) });
    expect(names.filter((name) => /^\[app /.test(name))).toEqual(["[app 1/3] WORKDIR /w", "[app 2/3] COPY f /f"]);
  });
});

describe("config", () => {
  it("FROM scratch has WorkingDir / (BuildKit's emptyImage)", async () => {
    const { config } = await build({ f: "x", Dockerfile: "FROM scratch\nCOPY f /f\n" });
    expect(config.config.WorkingDir).toBe("/");
  });

  it("ENV that sets a variable again replaces it where it is", async () => {
    const { config } = await build({ Dockerfile: "FROM scratch\nENV A=1 B=2\nENV A=3\n" });
    expect(config.config.Env).toEqual(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=3", "B=2"]);
  });

  it("ONBUILD triggers of a base stage run in the child once and are not kept in its config", async () => {
    const { layers, config } = await build({
      t: "trigger",
      Dockerfile: "FROM scratch AS parent\nONBUILD COPY t /t\nFROM parent AS child\nFROM child\n",
    });
    expect(layers).toHaveLength(1);
    expect(config.config.OnBuild ?? null).toBeNull();
  });
});

describe("--chown and --chmod forms", () => {
  it("root:root needs no /etc/passwd; an empty user or group is 0 (:group, user:), as llb marshals it", async () => {
    const { layers } = await build({
      passwd,
      group,
      f: "x",
      Dockerfile:
        "FROM scratch AS base\nCOPY passwd /etc/passwd\nCOPY group /etc/group\nFROM base\n" +
        "COPY --chown=root:root f /a\nCOPY --chown=:staff f /b\nCOPY --chown=app: f /c\nCOPY --chown=1000 f /d\nCOPY --chown=app:50 f /e\n",
    });
    const owners = await Promise.all(layers.slice(2).map(async (layer) => (await entries(layer))[0]));
    expect(owners).toEqual(["a 644 0:0", "b 644 0:50", "c 644 1000:0", "d 644 1000:1000", "e 644 1000:50"]);
    const rootOnly = await build({ f: "x", Dockerfile: "FROM scratch\nCOPY --chown=root:root f /f\n" });
    expect(await entries(rootOnly.layers[0]!)).toEqual(["f 644 0:0"]);
  });

  it("symbolic --chmod applies to each entry's own mode (X only for directories and executables)", async () => {
    const root = await context({ "d/run": "#!/bin/sh\n", "d/data": "x", Dockerfile: "FROM scratch\nCOPY --chmod=u=rwX,go=rX d /d/\nCOPY --chmod=+x d/data /x\n" });
    const { chmod } = await import("node:fs/promises");
    await chmod(join(root, "d", "run"), 0o700);
    await chmod(join(root, "d", "data"), 0o600);
    const result = await buildImage({ context: root, store });
    const [first, second] = result.source.results[0]!.ref.layers;
    expect(await entries(first!)).toEqual(["d/ 755 0:0", "d/data 644 0:0", "d/run 755 0:0"]);
    expect(await entries(second!)).toEqual(["x 711 0:0"]);
  });

  it("refuses a --chmod that is neither octal nor symbolic, naming it", async () => {
    await expect(build({ f: "x", Dockerfile: "FROM scratch\nCOPY --chmod=u+q f /f\n" })).rejects.toThrow(/--chmod=u\+q/);
  });
});
