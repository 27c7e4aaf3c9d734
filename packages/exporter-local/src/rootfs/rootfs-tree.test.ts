import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tarLayer, type TarSpec } from "../test-support.js";
import { buildRootfs } from "./build-rootfs.js";
import { walkTree } from "./rootfs-tree.js";
import { Spool } from "./spool.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-rootfs-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function final(...layers: TarSpec[][]): Promise<{ paths: string[]; spooled: number }> {
  const spool = new Spool({ dir, hash: false, applyMeta: false });
  const tree = await buildRootfs(await Promise.all(layers.map((l) => tarLayer(l))), spool);
  const paths = [...walkTree(tree.root)].map(([path, node]) => (node.kind === "dir" ? `${path}/` : path));
  return { paths, spooled: (await readdir(dir)).length };
}

describe("applying a layer chain", () => {
  it("lists paths in walk order, with implied parents", async () => {
    expect((await final([{ name: "a-b", content: "" }, { name: "a/x/y", content: "" }, { name: "a!", content: "" }])).paths).toEqual([
      "a/",
      "a/x/",
      "a/x/y",
      "a!",
      "a-b",
    ]);
  });

  it("an opaque marker keeps what its own layer wrote, wherever it appears in the tar", async () => {
    const { paths } = await final(
      [{ name: "d/", type: "directory" }, { name: "d/lower", content: "" }, { name: "d/sub/", type: "directory" }, { name: "d/sub/lower", content: "" }],
      [{ name: "d/sub/", type: "directory" }, { name: "d/sub/upper", content: "" }, { name: "d/.wh..wh..opq", content: "" }, { name: "d/late", content: "" }],
    );
    expect(paths).toEqual(["d/", "d/late", "d/sub/", "d/sub/upper"]);
  });

  it("a whiteout removes a whole directory; a new entry replaces a directory of another type", async () => {
    const { paths, spooled } = await final(
      [{ name: "x/a", content: "1" }, { name: "x/b", content: "2" }, { name: "y/c", content: "3" }],
      [{ name: ".wh.x", content: "" }, { name: "y", content: "now a file" }],
    );
    expect(paths).toEqual(["y"]);
    // Bytes of deleted files do not stay on disk.
    expect(spooled).toBe(1);
  });

  it("a file replaced by an upper layer frees its bytes unless a hard link still names them", async () => {
    const { paths, spooled } = await final([{ name: "f", content: "1" }, { name: "g", type: "link", linkname: "f" }, { name: "h", content: "2" }], [
      { name: "f", content: "3" },
      { name: "h", content: "4" },
    ]);
    expect(paths).toEqual(["f", "g", "h"]);
    expect(spooled).toBe(3);
  });

  it("a directory entry over a directory keeps its children", async () => {
    expect((await final([{ name: "d/f", content: "" }], [{ name: "d/", type: "directory", mode: 0o700 }])).paths).toEqual(["d/", "d/f"]);
  });

  it("refuses a path below a file", async () => {
    await expect(final([{ name: "f", content: "" }], [{ name: "f/g", content: "" }])).rejects.toMatchObject({
      code: "ERR_LOCAL_UNSAFE_PATH",
      message: expect.stringMatching(/its parent "f" is not a directory/),
    });
  });
});
