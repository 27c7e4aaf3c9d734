import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { setAttributeSync } from "@napi-rs/xattr";
import { toolsAvailable } from "@exp/testing";
import { ContentHashCache } from "./content-hash-cache.js";
import { contextFsSource } from "./context-fs-source.js";
import { selectCopySources } from "./select-copy-sources.js";
import { tarChainFsSource } from "./tar-chain-fs-source.js";
import { collector, readTar, withTempDir } from "./test-support.js";
import { walkContext } from "./walk-context.js";
import { writeLayerTar } from "./write-layer-tar.js";

// cap_net_bind_service=+ep (VFS_CAP_REVISION_2): every byte above 0x7f is what UTF-8 text would break.
const capability = Buffer.from("01000002000400000000000000000000000000ff", "hex");

/** A context with a file that has a capability and a user xattr; false where xattrs cannot be set. */
async function contextWithXattrs(dir: string): Promise<boolean> {
  await mkdir(join(dir, "bin"), { recursive: true });
  await writeFile(join(dir, "bin", "server"), "#!/bin/sh\n", { mode: 0o755 });
  try {
    setAttributeSync(join(dir, "bin", "server"), "security.capability", capability);
    setAttributeSync(join(dir, "bin", "server"), "user.note", "dropped by BuildKit's layers");
    return true;
  } catch {
    return false;
  }
}

async function layerTar(dir: string): Promise<Buffer> {
  const fs = contextFsSource(dir, await walkContext(dir), { hashCache: new ContentHashCache() });
  const out = collector();
  await writeLayerTar(await selectCopySources(fs, ["bin"], "/usr/local/bin/", { workdir: "/" }), out.stream);
  return out.bytes();
}

describe("extended attributes", () => {
  it("carries security.capability byte for byte (and no user.* xattr, as BuildKit's tar writer)", async () => {
    await withTempDir(async (dir) => {
      if (!(await contextWithXattrs(dir)) && process.getuid?.() !== 0) return; // security.* needs root
      const tar = await layerTar(dir);
      const server = (await readTar(tar)).find((item) => item.header.name === "usr/local/bin/server")!;
      const pax = server.header.pax as Record<string, string>;
      expect(Object.keys(pax).filter((key) => key.startsWith("SCHILY."))).toEqual(["SCHILY.xattr.security.capability"]);
      // The record's value in the tar's bytes (tar-stream, which read this, decodes values as UTF-8).
      const record = Buffer.from(" SCHILY.xattr.security.capability=");
      const at = tar.indexOf(record) + record.length;
      expect(tar.subarray(at, at + capability.length + 1)).toEqual(Buffer.concat([capability, Buffer.from("\n")]));

      // Read back by the tar chain (COPY --from an image or stage keeps it).
      const chain = tarChainFsSource([{ open: async () => Readable.from([tar]) }]);
      const entry = (await chain.list()).find((e) => e.path === "usr/local/bin/server")!;
      expect(Buffer.from(entry.xattrs!["security.capability"]!, "base64")).toEqual(capability);

      // GNU tar, a reader that is not ours, sees the same bytes.
      if (toolsAvailable("tar", "getfattr")) {
        const out = join(dir, "out");
        await mkdir(out);
        const archive = join(dir, "layer.tar");
        await writeFile(archive, tar);
        execFileSync("tar", ["--xattrs", "--xattrs-include=*", "-xf", archive, "-C", out]);
        const dump = execFileSync("getfattr", ["-n", "security.capability", "-e", "hex", join(out, "usr/local/bin/server")], { encoding: "utf8" });
        expect(dump).toContain(`security.capability=0x${capability.toString("hex")}`);
      }
    });
  });

  it("changes the COPY checksum when the capability changes", async () => {
    const { checksumCopy } = await import("./checksum-copy.js");
    await withTempDir(async (dir) => {
      if (!(await contextWithXattrs(dir))) return;
      const checksum = async () => {
        const fs = contextFsSource(dir, await walkContext(dir), { hashCache: new ContentHashCache() });
        return checksumCopy(await selectCopySources(fs, ["bin"], "/b/", { workdir: "/" }));
      };
      const before = await checksum();
      setAttributeSync(join(dir, "bin", "server"), "security.capability", Buffer.from("0100000200000000000000000000000000000000", "hex"));
      expect(await checksum()).not.toBe(before);
      setAttributeSync(join(dir, "bin", "server"), "user.note", "changed");
      const afterUser = await checksum();
      setAttributeSync(join(dir, "bin", "server"), "user.note", "changed again");
      expect(await checksum()).toBe(afterUser);
    });
  });
});

describe("xattrs remembered with the content hash (a warm walk asks the kernel once per file)", () => {
  /** The carried xattrs of bin/server as a walk sees them, and whether the walk read them from disk. */
  async function walkServer(dir: string, cache: ContentHashCache) {
    let asked = 0;
    const entries = await walkContext(dir, {
      knownXattrs: (file) => {
        const known = cache.knownXattrs(file);
        if (known !== undefined) asked++;
        return known;
      },
    });
    return { entry: entries.find((e) => e.path === "bin/server")!, fromCache: asked > 0, entries };
  }

  /** Hashes every file through a source, as a COPY's checksum does, so the cache records them. */
  async function hashAll(dir: string, entries: Awaited<ReturnType<typeof walkContext>>, cache: ContentHashCache) {
    const fs = contextFsSource(dir, entries, { hashCache: cache });
    for (const entry of await fs.list()) if (entry.type === "file") await fs.contentDigest!(entry);
  }

  it("reuses the recorded xattrs while the file is unchanged, and reads them again once an xattr changes", async () => {
    await withTempDir(async (dir) => {
      if (!(await contextWithXattrs(dir)) && process.getuid?.() !== 0) return; // security.* needs root
      const cache = new ContentHashCache();
      const cold = await walkServer(dir, cache);
      expect(cold.fromCache).toBe(false);
      await hashAll(dir, cold.entries, cache);

      const warm = await walkServer(dir, cache);
      expect(warm.fromCache).toBe(true);
      expect(warm.entry.xattrs).toEqual(cold.entry.xattrs);
      expect(Buffer.from(warm.entry.xattrs!["security.capability"]!, "base64")).toEqual(capability);

      // What the cache says is what the walk takes: it does not ask the kernel again.
      const told = await walkContext(dir, { knownXattrs: () => ({ "security.capability": "AAAA" }) });
      expect(told.find((e) => e.path === "bin/server")!.xattrs).toEqual({ "security.capability": "AAAA" });

      // Another capability: setxattr moves ctime, so the recorded one no longer applies.
      const other = Buffer.from(capability);
      other[8] = 0x01;
      setAttributeSync(join(dir, "bin", "server"), "security.capability", other);
      const changed = await walkServer(dir, cache);
      expect(changed.fromCache).toBe(false);
      expect(Buffer.from(changed.entry.xattrs!["security.capability"]!, "base64")).toEqual(other);
    });
  });

  it("remembers that a file has none (null), and persists both through entries()/load()", async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "plain.txt"), "no xattrs\n");
      if (!(await contextWithXattrs(dir)) && process.getuid?.() !== 0) return;
      const cache = new ContentHashCache();
      const entries = await walkContext(dir);
      await hashAll(dir, entries, cache);
      const reloaded = new ContentHashCache();
      reloaded.load(JSON.parse(JSON.stringify(cache.entries())));
      const plain = entries.find((e) => e.path === "plain.txt")!;
      const server = entries.find((e) => e.path === "bin/server")!;
      expect(reloaded.knownXattrs(plain)).toBeNull();
      expect(reloaded.knownXattrs(server)).toEqual(server.xattrs);
      expect(reloaded.get(plain)).toBe(cache.get(plain));

      // A cache an older exp wrote (digests only): the next hit records what the walk read.
      const older = new ContentHashCache();
      older.load(cache.entries().map(([key, digest]) => [key, digest] as const));
      expect(older.knownXattrs(server)).toBeUndefined();
      await hashAll(dir, entries, older);
      expect(older.knownXattrs(server)).toEqual(server.xattrs);
      expect(older.knownXattrs(plain)).toBeNull();
    });
  });
});
