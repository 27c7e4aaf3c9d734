import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where slow test artifacts (the Debian rootfs and base image) are kept between runs:
 * `$EXP_TEST_CACHE`, else `<os tmpdir>/exp-test-cache`. Making the base takes ~30 s and downloads
 * ~60 MB of packages, so it is made once per machine, not per run or per test file.
 */
export async function testCacheDir(): Promise<string> {
  const dir = process.env.EXP_TEST_CACHE || join(tmpdir(), "exp-test-cache");
  await mkdir(dir, { recursive: true });
  return dir;
}
