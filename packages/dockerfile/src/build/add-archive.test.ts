import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openContentStore, type ContentStore } from "@exp/content";
import type { Layer } from "@exp/solver";
import { readTar, writeTar, type TarHeader } from "@exp/tar";
import { buildImage } from "./build-image.js";

// ADD of a local archive extracts it (BuildKit's AttemptUnpack, solver/llbsolver/file/unpack.go),
// for archives made by GNU tar and compressed by Debian's gzip, bzip2, xz and zstd.
let dir: string;
let store: ContentStore;
let tree: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-add-archive-"));
  store = await openContentStore(join(dir, "store"));
  tree = join(dir, "tree");
  await mkdir(join(tree, "bin"), { recursive: true });
  await writeFile(join(tree, "bin", "tool"), "#!/bin/sh\necho tool\n", { mode: 0o755 });
  await writeFile(join(tree, "README"), "read me\n", { mode: 0o640 });
  await utimes(join(tree, "README"), new Date("2001-02-03T04:05:06Z"), new Date("2001-02-03T04:05:06Z"));
  execFileSync("ln", ["-s", "bin/tool", join(tree, "tool-link")]);
  execFileSync("ln", [join(tree, "README"), join(tree, "README.hard")]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A context holding `files` (name → bytes) and a Dockerfile. */
async function context(dockerfile: string, files: Record<string, Buffer>): Promise<string> {
  const root = await mkdtemp(join(dir, "ctx-"));
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(root, name), bytes);
  await writeFile(join(root, "Dockerfile"), dockerfile);
  return root;
}

/** GNU tar of the tree (owner 1000:1000), through `compress` when given. */
function archive(compress?: string[]): Buffer {
  const tar = execFileSync("tar", ["-C", tree, "--numeric-owner", "--owner=1000", "--group=1000", "--sort=name", "-cf", "-", "."]);
  return compress ? execFileSync(compress[0]!, compress.slice(1), { input: tar }) : tar;
}

async function lastLayer(context: string): Promise<Map<string, { header: TarHeader; body: string }>> {
  const built = await buildImage({ context, store });
  try {
    const layer = built.source.results[0]!.ref.layers.at(-1) as Layer;
    const found = new Map<string, { header: TarHeader; body: string }>();
    for await (const { header, body } of readTar(await layer.openTar({}))) {
      const parts: Buffer[] = [];
      for await (const chunk of body) parts.push(chunk);
      found.set(header.name, { header, body: Buffer.concat(parts).toString() });
    }
    return found;
  } finally {
    await store.leases.release(built.lease);
  }
}

describe("ADD of a local archive", () => {
  const compressions: Record<string, string[] | undefined> = { tar: undefined, gzip: ["gzip", "-c"], bzip2: ["bzip2", "-c"], xz: ["xz", "-c"], zstd: ["zstd", "-q", "-c"] };
  for (const [kind, command] of Object.entries(compressions)) {
    it(`extracts a ${kind} archive into the destination, whatever its name`, async () => {
      const layer = await lastLayer(await context("FROM scratch\nADD bundle.bin /opt/app\n", { "bundle.bin": archive(command) }));
      expect(layer.get("opt/app/bin/tool")?.body).toBe("#!/bin/sh\necho tool\n");
      expect(layer.get("opt/app/bin/tool")?.header).toMatchObject({ mode: 0o755, uid: 1000, gid: 1000 });
      expect(layer.get("opt/app/README")?.header).toMatchObject({ mode: 0o640, mtimeMs: Date.parse("2001-02-03T04:05:06Z") });
      expect(layer.get("opt/app/tool-link")?.header).toMatchObject({ type: "symlink", linkname: "bin/tool" });
      expect(layer.get("opt/app/README.hard")?.header).toMatchObject({ type: "link", linkname: "opt/app/README" });
      expect(layer.has("opt/app/bundle.bin")).toBe(false);
    });
  }

  it("gives --chown to every extracted entry and ignores --chmod, as BuildKit's unpack", async () => {
    const layer = await lastLayer(await context("FROM scratch\nADD --chown=7:8 --chmod=600 a.tgz /x/\n", { "a.tgz": archive(["gzip", "-c"]) }));
    expect(layer.get("x/bin/tool")?.header).toMatchObject({ mode: 0o755, uid: 7, gid: 8 });
    expect(layer.get("x/README")?.header).toMatchObject({ mode: 0o640, uid: 7, gid: 8 });
  });

  it("copies a file that is not an archive (a .tar.gz name, or gzip of text) as it is", async () => {
    const text = execFileSync("gzip", ["-c"], { input: "just text\n" });
    const layer = await lastLayer(await context("FROM scratch\nADD fake.tar.gz notes.gz /d/\n", { "fake.tar.gz": Buffer.from("not an archive\n"), "notes.gz": text }));
    expect(layer.get("d/fake.tar.gz")?.body).toBe("not an archive\n");
    expect(layer.has("d/notes.gz")).toBe(true);
  });

  it("reads bsdtar-style PAX headers (libarchive's records, fractional times)", async () => {
    // What bsdtar (libarchive) writes for a file in pax format: records of its own beside the
    // standard ones, and mtime with a fraction. The records exp has no use for are ignored.
    const parts: Buffer[] = [];
    const pax = { "LIBARCHIVE.creationtime": "1700000000", "SCHILY.dev": "64769", "SCHILY.ino": "1234567", "SCHILY.nlink": "1", mtime: "1600000000.123456789" };
    for await (const chunk of writeTar([{ header: { name: "etc/app.conf", type: "file", mode: 0o600, size: 5, uid: 10, gid: 20, pax }, body: Buffer.from("key=1") }])) parts.push(chunk);
    const layer = await lastLayer(await context("FROM scratch\nADD conf.tar /\n", { "conf.tar": Buffer.concat(parts) }));
    expect(layer.get("etc/app.conf")?.body).toBe("key=1");
    expect(layer.get("etc/app.conf")?.header).toMatchObject({ mode: 0o600, uid: 10, gid: 20, mtimeMs: 1_600_000_000_000 });
  });

  it("COPY never extracts", async () => {
    const layer = await lastLayer(await context("FROM scratch\nCOPY a.tar /d/\n", { "a.tar": archive() }));
    expect(layer.has("d/a.tar")).toBe(true);
    expect(layer.has("d/README")).toBe(false);
  });

  it("refuses an entry that climbs out of the destination, and a tar cut short", async () => {
    const parts: Buffer[] = [];
    for await (const chunk of writeTar([{ header: { name: "../escape", type: "file", mode: 0o644, size: 1 }, body: Buffer.from("x") }])) parts.push(chunk);
    await expect(buildImage({ context: await context("FROM scratch\nADD evil.tar /d/\n", { "evil.tar": Buffer.concat(parts) }), store })).rejects.toMatchObject({
      code: "ERR_ARCHIVE_ENTRY",
      message: expect.stringContaining('"../escape"'),
    });
    const device: Buffer[] = [];
    for await (const chunk of writeTar([{ header: { name: "dev/null", type: "character-device", mode: 0o666, devmajor: 1, devminor: 3 } }])) device.push(chunk);
    await expect(buildImage({ context: await context("FROM scratch\nADD dev.tar /d/\n", { "dev.tar": Buffer.concat(device) }), store })).rejects.toMatchObject({
      code: "ERR_ARCHIVE_ENTRY",
      message: expect.stringContaining("character-device"),
    });
    const whole = archive();
    await expect(buildImage({ context: await context("FROM scratch\nADD cut.tar /d/\n", { "cut.tar": whole.subarray(0, 1300) }), store })).rejects.toMatchObject({ code: "ERR_ARCHIVE_INVALID" });
  });
});
