import { rename } from "node:fs/promises";
import { InvalidDestError } from "../errors.js";
import type { ResolvedOutput } from "../fsops/resolve-output.js";

/**
 * Puts the finished directory in place of the destination: the old one is renamed aside (into
 * the work directory, which is deleted afterwards), the new one renamed in. Both renames are
 * within one directory of one filesystem. Linux could exchange the two atomically
 * (renameat2 RENAME_EXCHANGE), but Node does not expose it; between the two renames the
 * destination is briefly absent, and if the second fails the first is undone.
 */
export async function swapIntoPlace(built: string, dest: ResolvedOutput, aside: string): Promise<void> {
  if (!dest.exists) {
    await rename(built, dest.path).catch((error: unknown) => {
      throw new InvalidDestError(dest.path, "appeared while the export was running", error);
    });
    return;
  }
  await rename(dest.path, aside);
  try {
    await rename(built, dest.path);
  } catch (error) {
    await rename(aside, dest.path);
    throw error;
  }
}
