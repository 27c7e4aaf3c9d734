import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const MIN_FREE_BYTES = 6 * 1024 ** 3;

/**
 * Where the run's directory goes: `$EXP_DIFF_TMPDIR`, else /dev/shm when it is a usable tmpfs,
 * else the OS temp dir. Every case writes ~400 MB (buildah's vfs container is a full copy of the
 * 170 MB base, its layout holds the base layer uncompressed, exp's store and layout hold it
 * compressed), and on this project's 2-core machine the disk is what makes buildah slow: with its
 * vfs storage on tmpfs a build takes 2.9 s of CPU instead of 5. /dev/shm is only taken when it
 * keeps user.* extended attributes (tmpfs does since Linux 6.6; the xattr case needs them) and
 * has room.
 */
export function pickRunParent(): string {
  if (process.env.EXP_DIFF_TMPDIR) return process.env.EXP_DIFF_TMPDIR;
  const shm = "/dev/shm";
  try {
    const fs = statfsSync(shm);
    if (fs.bavail * fs.bsize < MIN_FREE_BYTES) return tmpdir();
    const probe = mkdtempSync(join(shm, "exp-differential-probe-"));
    try {
      writeFileSync(join(probe, "f"), "");
      execFileSync("setfattr", ["-n", "user.exp-probe", "-v", "1", join(probe, "f")], { stdio: "ignore" });
      return shm;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  } catch {
    return tmpdir();
  }
}
