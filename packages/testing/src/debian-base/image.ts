import { copyFile, link, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "../run-tool.js";
import { tempDir } from "../temp-dir.js";
import { assertTools } from "../tools.js";
import { buildahStorageArgs, createBuildahStorage } from "./buildah.js";
import { testCacheDir } from "./cache-dir.js";
import { makeOnce } from "./make-once.js";
import { DEBIAN_SUITE, debianBaseRootfs } from "./rootfs.js";

/** The tag of the base image in its layout and in a registry. */
export const DEBIAN_BASE_TAG = `${DEBIAN_SUITE}-min`;

// Bump with the recipe (and with the rootfs's version, which it is made from).
const LAYOUT_DIR = `debian-${DEBIAN_BASE_TAG}.v1.oci`;

export interface DebianBaseImage {
  /** The OCI image layout directory. */
  layout: string;
  /** "bookworm-min" */
  tag: string;
  /** "<layout>:<tag>", for umoci and skopeo's `oci:` transport. */
  ociRef: string;
}

/**
 * The Debian base as an OCI image layout (one gzip layer of ~63 MB, config `CMD ["bash"]`), tagged
 * `bookworm-min`: buildah builds `FROM scratch / ADD rootfs.tar / / CMD ["bash"]` from
 * debianBaseRootfs() in a vfs storage of its own (thrown away after), then pushes it to the
 * layout. Cached like the rootfs: made once per machine (~10 s after the rootfs), concurrent
 * callers wait for one maker.
 */
export async function debianBaseImage(options: { signal?: AbortSignal } = {}): Promise<DebianBaseImage> {
  assertTools(["buildah", "mmdebstrap"], "debianBaseImage");
  const { signal } = options;
  const rootfs = await debianBaseRootfs(options);
  const layout = await makeOnce(
    join(await testCacheDir(), LAYOUT_DIR),
    async (tmp) => {
      const work = await tempDir("exp-debian-base-", options);
      try {
        const context = join(work.path, "context");
        await mkdir(context);
        // ADD extracts a local tar as root would: owners, modes, devices, setuid bits, hard links.
        await link(rootfs, join(context, "rootfs.tar")).catch(() => copyFile(rootfs, join(context, "rootfs.tar")));
        await writeFile(join(context, "Dockerfile"), 'FROM scratch\nADD rootfs.tar /\nCMD ["bash"]\n');
        const storage = await createBuildahStorage({ dir: join(work.path, "storage"), signal });
        const global = buildahStorageArgs(storage);
        const name = "localhost/exp-debian-base:latest";
        await runTool("buildah", [...global, "bud", "--isolation", "chroot", "--quiet", "-t", name, context], { signal, timeoutMs: 10 * 60_000 });
        await runTool("buildah", [...global, "push", "--quiet", name, `oci:${tmp}:${DEBIAN_BASE_TAG}`], { signal, timeoutMs: 10 * 60_000 });
      } finally {
        await work.cleanup();
      }
    },
    options,
  );
  return { layout, tag: DEBIAN_BASE_TAG, ociRef: `${layout}:${DEBIAN_BASE_TAG}` };
}
