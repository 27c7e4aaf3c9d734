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
