import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import { buildImage } from "@exp/dockerfile";
import { InvalidOptionError } from "@exp/errors";
import { createTarExporter, tarExporter } from "../index.js";
import { failingLayer, linuxAmd64, linuxArm64, runExporter, sourceOf, tarLayer, writeContext, type TarSpec } from "../test-support.js";

const run = promisify(execFile);

let dir: string;
let store: ContentStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-tar-"));
  store = await openContentStore(join(dir, "store"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const base: TarSpec[] = [
  { name: "usr/", type: "directory", mtime: new Date(1_500_000_000_000) },
  { name: "usr/bin/", type: "directory" },
  { name: "usr/bin/tool", content: "#!/bin/sh\n", mode: 0o755, uid: 1000, gid: 1000 },
  { name: "usr/bin/tool-alias", type: "link", linkname: "usr/bin/tool" },
  { name: "usr/lib", type: "symlink", linkname: "/lib" },
  { name: "tmp/", type: "directory", mode: 0o1777 },
  { name: "gone", content: "removed by the upper layer" },
  { name: "z-last", content: "z", mtime: new Date(2_000_000_000_000) },
  // Its parents are implied: the tar must still not depend on when it was made.
  { name: "opt/app/run", content: "r" },
];
const upper: TarSpec[] = [{ name: ".wh.gone", content: "" }, { name: "a-first", content: "a" }];

async function chain() {
  return [await tarLayer(base), await tarLayer(upper)];
}

async function listing(file: string): Promise<string[]> {
  const { stdout } = await run("tar", ["-tvf", file, "--numeric-owner"]);
  return stdout.trim().split("\n");
}

describe("type=tar", () => {
  it("writes the final filesystem as a sorted tar that tar(1) reads", async () => {
    const dest = join(dir, "out.tar");
    const outcome = await runExporter(tarExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: await chain() }]), store);
    expect(outcome.response).toEqual({});
    const { stdout } = await run("tar", ["-tf", dest]);
    expect(stdout.trim().split("\n")).toEqual([
      "a-first",
      "opt/",
      "opt/app/",
      "opt/app/run",
      "tmp/",
      "usr/",
      "usr/bin/",
      "usr/bin/tool",
      "usr/bin/tool-alias",
      "usr/lib",
      "z-last",
    ]);
    const lines = await listing(dest);
    expect(lines.find((l) => l.endsWith("usr/bin/tool"))).toMatch(/^-rwxr-xr-x 1000\/1000 +10 /);
    expect(lines.find((l) => l.includes("tool-alias"))).toMatch(/^hrwxr-xr-x .* usr\/bin\/tool-alias link to usr\/bin\/tool$/);
    expect(lines.find((l) => l.includes("usr/lib"))).toMatch(/^lrwxrwxrwx .* usr\/lib -> \/lib$/);
    expect(lines.find((l) => l.endsWith("tmp/"))).toMatch(/^drwxrwxrwt /);
    const extracted = join(dir, "x");
    await mkdir(extracted);
    await run("tar", ["-xf", dest, "-C", extracted]);
    expect(await readFile(join(extracted, "usr/bin/tool-alias"), "utf8")).toBe("#!/bin/sh\n");
    expect((await readdir(dir)).sort()).toEqual(["out.tar", "store", "x"]);
  });

  it("is deterministic: two exports are byte-identical", async () => {
    const first = join(dir, "one.tar");
    const second = join(dir, "two.tar");
    await runExporter(tarExporter, { dest: first }, sourceOf([{ platform: linuxAmd64, layers: await chain() }]), store);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runExporter(tarExporter, { dest: second }, sourceOf([{ platform: linuxAmd64, layers: await chain() }]), store);
    expect((await readFile(first)).equals(await readFile(second))).toBe(true);
  });

  it("clamps mtimes to source-date-epoch", async () => {
    const dest = join(dir, "out.tar");
    await runExporter(tarExporter, { dest, "source-date-epoch": "1600000000" }, sourceOf([{ platform: linuxAmd64, layers: await chain() }]), store);
    const { stdout } = await run("tar", ["--full-time", "--utc", "-tvf", dest], { env: { ...process.env, TZ: "UTC" } });
    expect(stdout).toMatch(/2020-09-13 12:26:40 z-last/);
    expect(stdout).toMatch(/2017-07-14 02:40:00 usr\//);
  });

  it("puts each platform of a multi-platform result under os_arch/", async () => {
    const dest = join(dir, "out.tar");
    const source = sourceOf([
      { platform: linuxAmd64, layers: [await tarLayer([{ name: "f", content: "amd" }])] },
      { platform: { os: "linux", architecture: "arm", variant: "v7" }, layers: [await tarLayer([{ name: "f", content: "arm" }])] },
    ]);
    await runExporter(tarExporter, { dest }, source, store);
    const { stdout } = await run("tar", ["-tf", dest]);
    expect(stdout.trim().split("\n")).toEqual(["linux_amd64/", "linux_amd64/f", "linux_arm_v7/", "linux_arm_v7/f"]);
  });

  it("refuses platform-split=false for a multi-platform result", async () => {
    const layer = await tarLayer([{ name: "f", content: "x" }]);
    const source = sourceOf([
      { platform: linuxAmd64, layers: [layer] },
      { platform: linuxArm64, layers: [layer] },
    ]);
    const failure = await runExporter(tarExporter, { dest: join(dir, "o.tar"), "platform-split": "false" }, source, store).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InvalidOptionError);
    expect((failure as Error).message).toMatch(/platform-split/);
  });

  it("dest=- streams the same bytes to the given stdout, without ending it", async () => {
    const file = join(dir, "out.tar");
    await runExporter(tarExporter, { dest: file }, sourceOf([{ platform: linuxAmd64, layers: await chain() }]), store);
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    await runExporter(createTarExporter({ stdout }), { dest: "-" }, sourceOf([{ platform: linuxAmd64, layers: await chain() }]), store);
    expect(Buffer.concat(chunks).equals(await readFile(file))).toBe(true);
    expect(stdout.writableEnded).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(["out.tar", "store"]);
  });

  it("a failing layer leaves the previous tar byte-identical and no temp files", async () => {
    const dest = join(dir, "out.tar");
    await writeFile(dest, "previous tar");
    const layer = await failingLayer([{ name: "big", content: "b".repeat(50_000) }], 2000);
    await expect(runExporter(tarExporter, { dest }, sourceOf([{ platform: linuxAmd64, layers: [layer] }]), store)).rejects.toMatchObject({
      code: "ERR_LOCAL_LAYER_READ",
    });
    expect(await readFile(dest, "utf8")).toBe("previous tar");
    expect((await readdir(dir)).sort()).toEqual(["out.tar", "store"]);
  });

  it("refuses unsafe entries like the local exporter", async () => {
    const layers = [await tarLayer([{ name: "a", type: "symlink", linkname: "/etc" }, { name: "a/cron.d/evil", content: "x" }])];
    await expect(runExporter(tarExporter, { dest: join(dir, "o.tar") }, sourceOf([{ platform: linuxAmd64, layers }]), store)).rejects.toMatchObject({
      code: "ERR_LOCAL_UNSAFE_PATH",
      entry: "a/cron.d/evil",
    });
  });

  it("refuses a directory as dest", async () => {
    await mkdir(join(dir, "d"));
    await expect(runExporter(tarExporter, { dest: join(dir, "d") }, sourceOf([{ platform: linuxAmd64, layers: await chain() }]), store)).rejects.toMatchObject({
      code: "ERR_LOCAL_DEST_INVALID",
    });
  });

  it("exports a Dockerfile build", async () => {
    const context = await writeContext(join(dir, "ctx"), { Dockerfile: "FROM scratch\nCOPY --chmod=700 app.sh /srv/\n", "app.sh": "echo\n" });
    const built = await buildImage({ context, store, sourceDateEpoch: 1_700_000_000 });
    const dest = join(dir, "out.tar");
    await runExporter(tarExporter, { dest }, built.source, store);
    const lines = await listing(dest);
    expect(lines.map((l) => l.split(/\s+/).pop())).toEqual(["srv/", "srv/app.sh"]);
    expect(lines[1]).toMatch(/^-rwx------ /);
  });
});
