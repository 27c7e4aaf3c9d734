import { execFile } from "node:child_process";
import { link, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTar, type TarWriteEntry } from "../write/write-tar.js";
import { collect, readAll } from "../test/collect.js";

// GNU tar (Debian's 1.34) writes and reads the tars users bring: gnu, pax, ustar and v7 formats,
// and binary xattrs in PAX records with --xattrs.
const run = promisify(execFile);
const binaryXattr = Buffer.from([0x00, 0xff, 0x80, 0xc3, 0x28, 0x0a]);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-tar-gnu-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tree(root: string, longNames: boolean, fifo: boolean): Promise<void> {
  await mkdir(join(root, "sub"), { recursive: true });
  await writeFile(join(root, "sub/file.txt"), "content\n");
  await writeFile(join(root, "sub/big.bin"), Buffer.alloc(100_000, 1));
  await link(join(root, "sub/file.txt"), join(root, "sub/hard"));
  await symlink("sub/file.txt", join(root, "sym"));
  if (fifo) await run("mkfifo", [join(root, "fifo")]);
  if (longNames) await writeFile(join(root, "sub", `${"long-".repeat(30)}name`), "long\n");
  await utimes(join(root, "sub/file.txt"), 1_600_000_000, 1_600_000_000);
}

describe("tars GNU tar writes", () => {
  for (const format of ["gnu", "pax", "ustar", "v7"] as const) {
    it(`--format=${format}`, async () => {
      const root = join(dir, `src-${format}`);
      const longNames = format === "gnu" || format === "pax";
      // V7 has no FIFO type: GNU tar refuses to archive one.
      await tree(root, longNames, format !== "v7");
      const archive = join(dir, `${format}.tar`);
      await run("tar", ["-C", root, `--format=${format}`, "--numeric-owner", "--owner=1234", "--group=5678", "-cf", archive, "."]);
      const read = await readAll(await readFile(archive));
      const byName = new Map(read.map((e) => [e.header.name.replace(/^\.\//, ""), e]));
      expect(byName.get("sub/file.txt")!.data.toString()).toBe("content\n");
      expect(byName.get("sub/file.txt")!.header.mtimeMs).toBe(1_600_000_000_000);
      expect(byName.get("sub/file.txt")!.header.uid).toBe(1234);
      expect(byName.get("sub/file.txt")!.header.gid).toBe(5678);
      expect(byName.get("sub/big.bin")!.data.equals(Buffer.alloc(100_000, 1))).toBe(true);
      expect(byName.get("sub/hard")!.header).toMatchObject({ type: "link", linkname: "./sub/file.txt", size: 0 });
      expect(byName.get("sym")!.header).toMatchObject({ type: "symlink", linkname: "sub/file.txt" });
      expect(byName.get("sub/")!.header.type).toBe("directory");
      if (format !== "v7") expect(byName.get("fifo")!.header.type).toBe("fifo");
      if (longNames) expect(byName.get(`sub/${"long-".repeat(30)}name`)!.data.toString()).toBe("long\n");
    });
  }
  it("--xattrs: a binary user xattr, byte for byte", async () => {
    const root = join(dir, "src-xattr");
    await mkdir(root);
    await writeFile(join(root, "f"), "x");
    await run("setfattr", ["-n", "user.bin", "-v", `0x${binaryXattr.toString("hex")}`, join(root, "f")]);
    const archive = join(dir, "xattr.tar");
    await run("tar", ["-C", root, "--format=pax", "--xattrs", "--xattrs-include=user.*", "-cf", archive, "f"]);
    const [entry] = await readAll(await readFile(archive));
    expect(entry!.header.xattrs["user.bin"]!.equals(binaryXattr)).toBe(true);
  });
});

describe("tars GNU tar reads", () => {
  it("extracts every kind, long names, big ids, old times and binary xattrs as written", async () => {
    const longName = `deep/${"d".repeat(150)}/${"n".repeat(120)}`;
    const entries: TarWriteEntry[] = [
      { header: { name: "deep/", type: "directory", mode: 0o755 } },
      { header: { name: `deep/${"d".repeat(150)}/`, type: "directory", mode: 0o750 } },
      { header: { name: longName, type: "file", mode: 0o640, size: 5, mtimeMs: -86_400_000 }, body: Buffer.from("long\n") },
      { header: { name: "f", type: "file", mode: 0o644, size: 1, uid: 3_000_000, gid: 300_000, xattrs: { "user.bin": binaryXattr } }, body: Buffer.from("x") },
      { header: { name: "hard", type: "link", mode: 0o644, linkname: "f" } },
      { header: { name: "sym", type: "symlink", mode: 0o777, linkname: `${"../".repeat(40)}target` } },
      { header: { name: "pipe", type: "fifo", mode: 0o600 } },
    ];
    const archive = join(dir, "ours.tar");
    await writeFile(archive, await collect(writeTar(entries)));
    const listing = (await run("tar", ["--numeric-owner", "-tvf", archive])).stdout;
    expect(listing).toMatch(/3000000\/300000 .* f\n/);
    const out = join(dir, "extracted");
    await mkdir(out);
    await run("tar", ["-C", out, "--xattrs", "--xattrs-include=user.*", "-xf", archive]);
    expect(await readFile(join(out, longName), "utf8")).toBe("long\n");
    expect((await lstat(join(out, longName))).mtimeMs).toBe(-86_400_000);
    expect((await lstat(join(out, longName))).mode & 0o777).toBe(0o640);
    expect((await lstat(join(out, "hard"))).ino).toBe((await lstat(join(out, "f"))).ino);
    expect(await readlink(join(out, "sym"))).toBe(`${"../".repeat(40)}target`);
    expect((await lstat(join(out, "pipe"))).isFIFO()).toBe(true);
    const xattr = (await run("getfattr", ["--only-values", "-e", "hex", "-n", "user.bin", join(out, "f")], { encoding: "buffer" })).stdout;
    expect(Buffer.from(xattr).equals(binaryXattr)).toBe(true);
  });
});
