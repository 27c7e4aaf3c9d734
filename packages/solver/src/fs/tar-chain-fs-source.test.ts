import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { selectCopySources } from "./select-copy-sources.js";
import { tarChainFsSource } from "./tar-chain-fs-source.js";
import { collector, makeTar, readAll, readTar } from "./test-support.js";
import { writeLayerTar } from "./write-layer-tar.js";

const longPath = `deep/${"p".repeat(120)}/${"q".repeat(150)}.txt`;

async function chain() {
  const base = await makeTar([
    { name: "etc/", type: "directory", mode: 0o755 },
    { name: "etc/os-release", content: "base os" },
    { name: "etc/old.conf", content: "old" },
    { name: "usr/", type: "directory", mode: 0o755 },
    { name: "usr/bin/", type: "directory", mode: 0o755 },
    { name: "usr/bin/tool", content: "tool v1", mode: 0o755, uid: 3, gid: 4 },
    { name: "bin", type: "symlink", linkname: "usr/bin" },
    { name: "var/", type: "directory" },
    { name: "var/cache/", type: "directory" },
    { name: "var/cache/a", content: "a" },
    { name: "var/cache/b", content: "b" },
    { name: "opt/", type: "directory" },
    { name: "opt/x/", type: "directory" },
    { name: "opt/x/f", content: "f" },
    { name: "hard-a", content: "shared bytes" },
    { name: "hard-b", type: "link", linkname: "hard-a" },
    { name: longPath, content: "long one" },
    { name: "dev-null", type: "character-device" },
  ]);
  const middle = await makeTar([
    { name: "etc/.wh.old.conf" },
    { name: "var/cache/", type: "directory", mode: 0o700 },
    { name: "var/cache/.wh..wh..opq" },
    { name: "var/cache/c", content: "c" },
    { name: "opt/x", content: "x is a file now" },
    { name: "./usr/bin/tool", content: "tool v2, longer", mode: 0o755 },
    { name: "/etc/new.conf", content: "new" },
  ]);
  const top = await makeTar([{ name: ".wh.hard-a" }, { name: ".wh..wh.plnk/ignored", content: "aufs" }]);
  const opened: number[] = [];
  const layers = [base, middle, top].map((tar, i) => ({
    open: async () => {
      opened.push(i);
      return Readable.from([tar.subarray(0, 700), tar.subarray(700)]);
    },
  }));
  return { fs: tarChainFsSource(layers), opened };
}

describe("tarChainFsSource", () => {
  it("lists the final filesystem: whiteouts delete, opaque dirs hide lower content, files replace dirs", async () => {
    const { fs } = await chain();
    const listing = await fs.list();
    expect(listing.map((e) => e.path)).toEqual([
      "bin",
      "deep",
      `deep/${"p".repeat(120)}`,
      longPath,
      "etc",
      "etc/new.conf",
      "etc/os-release",
      "hard-b",
      "opt",
      "opt/x",
      "usr",
      "usr/bin",
      "usr/bin/tool",
      "var",
      "var/cache",
      "var/cache/c",
    ].filter((p) => p !== "deep" && p !== `deep/${"p".repeat(120)}`));
    const byPath = new Map(listing.map((e) => [e.path, e]));
    expect(byPath.get("usr/bin/tool")).toMatchObject({ type: "file", mode: 0o755, size: 15 });
    expect(byPath.get("var/cache")).toMatchObject({ type: "dir", mode: 0o700 });
    expect(byPath.get("bin")).toMatchObject({ type: "symlink", linkTarget: "usr/bin" });
    expect(byPath.get("hard-b")).toMatchObject({ type: "hardlink", linkTarget: "hard-a", size: 12 });
    expect(byPath.get("opt/x")).toMatchObject({ type: "file" });
  });

  it("reads each file's bytes from the layer that last wrote it, hard links through their target", async () => {
    const { fs, opened } = await chain();
    const read = async (path: string) => (await readAll(await fs.open(path))).toString();
    expect(await read("usr/bin/tool")).toBe("tool v2, longer");
    expect(await read("etc/os-release")).toBe("base os");
    expect(await read("hard-b")).toBe("shared bytes");
    expect(await read("opt/x")).toBe("x is a file now");
    expect(await read(longPath)).toBe("long one");
    expect(await read("var/cache/c")).toBe("c");
    // Indexed once (3 layers), then one layer per read.
    expect(opened.length).toBe(3 + 6);
    await expect(fs.open("etc/old.conf")).rejects.toMatchObject({ code: "ERR_FS_PATH_NOT_FOUND" });
    await expect(fs.open("usr/bin")).rejects.toMatchObject({ code: "ERR_FS_PATH_NOT_FOUND" });
  });

  it("is a source COPY --from can use: symlinks followed at the top, content in the written layer", async () => {
    const { fs } = await chain();
    const plan = await selectCopySources(fs, ["/bin/tool", "hard-b"], "/out/", { workdir: "/" });
    expect(plan.entries.map((e) => [e.to, e.from.type])).toEqual([
      ["/out", "dir"],
      ["/out/hard-b", "file"],
      ["/out/tool", "file"],
    ]);
    const out = collector();
    await writeLayerTar(plan, out.stream);
    const items = await readTar(out.bytes());
    expect(items.map((i) => [i.header.name, i.content.toString()])).toEqual([
      ["out/", ""],
      ["out/hard-b", "shared bytes"],
      ["out/tool", "tool v2, longer"],
    ]);
  });

  it("reports a layer that is not a tar", async () => {
    const fs = tarChainFsSource([{ open: async () => Readable.from([Buffer.alloc(512, 7)]) }]);
    await expect(fs.list()).rejects.toMatchObject({ code: "ERR_LAYER_TAR_INVALID", layerIndex: 0 });
  });
});
