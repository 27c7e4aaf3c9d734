import { chmod, lstat, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { orAbsent } from "@exp/errors";

/**
 * rm -rf that also works as a normal user on trees holding read-only directories (a previous
 * export of an image with 0555 directories): on EACCES/EPERM it makes every directory u+rwx and
 * tries again. Symlinks are unlinked, never followed (fs.rm and the lstat walk both guarantee it).
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") throw error;
    await makeWritable(path);
    await rm(path, { recursive: true, force: true });
  }
}

async function makeWritable(path: string): Promise<void> {
  const stats = await orAbsent(lstat(path), "lstat", path);
  if (!stats?.isDirectory()) return;
  await chmod(path, (stats.mode & 0o7777) | 0o700);
  for (const name of await readdir(path)) await makeWritable(join(path, name));
}
