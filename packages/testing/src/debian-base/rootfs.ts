import { join } from "node:path";
import { runTool } from "../run-tool.js";
import { assertTools } from "../tools.js";
import { testCacheDir } from "./cache-dir.js";
import { makeOnce } from "./make-once.js";

/** The Debian release the base is made of. */
export const DEBIAN_SUITE = "bookworm";

// Bump when the recipe changes, so caches made by an older recipe are not reused.
const ROOTFS_FILE = `debian-${DEBIAN_SUITE}-minbase-rootfs.v1.tar`;

/**
 * A Debian bookworm minbase root filesystem as a tar (~170 MB, ~8 700 entries; usrmerge: /bin,
 * /lib, /sbin are symlinks into /usr; /tmp 1777; setuid su, passwd, mount), made with
 * `mmdebstrap --variant=minbase --mode=root --format=tar` from Debian's package registry (~17 s).
 * It is made once per machine and kept in the test cache dir (`$EXP_TEST_CACHE`); concurrent
 * callers (several vitest workers) wait for the one that makes it. Needs root and `mmdebstrap`.
 */
export async function debianBaseRootfs(options: { signal?: AbortSignal } = {}): Promise<string> {
  assertTools(["mmdebstrap"], "debianBaseRootfs");
  const path = join(await testCacheDir(), ROOTFS_FILE);
  return makeOnce(
    path,
    async (tmp) => {
      // --format=tar decides by the option, not by the temp file's name (which has no .tar suffix).
      await runTool("mmdebstrap", ["--quiet", "--variant=minbase", "--mode=root", "--format=tar", DEBIAN_SUITE, tmp], {
        signal: options.signal,
        timeoutMs: 15 * 60_000,
      });
    },
    options,
  );
}
