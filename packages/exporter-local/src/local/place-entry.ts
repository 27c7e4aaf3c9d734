import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Puts a new entry at `target` atomically: it is made at a temporary name (`make(temp)`) and
 * renamed over `target`, which replaces the name itself and never writes through what was there.
 * The temporary name is first taken in the export's scratch directory (next to the destination),
 * when there is one;
 * when `target` is on another filesystem (a mount inside the destination) that rename fails with
 * EXDEV, and the entry is made again beside `target`, under a hidden name, and renamed from there.
 */
export async function placeEntry(target: string, scratchPath: (() => string) | undefined, make: (temp: string) => Promise<void>): Promise<void> {
  if (scratchPath) {
    const temp = scratchPath();
    try {
      await make(temp);
      await rename(temp, target);
      return;
    } catch (error) {
      await rm(temp, { force: true });
      if (!crossesFilesystems(error)) throw error;
    }
  }
  const beside = join(dirname(target), `.${basename(target)}.exp-${randomBytes(4).toString("hex")}`);
  await make(beside);
  try {
    await rename(beside, target);
  } catch (error) {
    await rm(beside, { force: true });
    throw error;
  }
}

/** EXDEV: a rename or hard link between two filesystems, which only a copy can do. */
export function crossesFilesystems(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "EXDEV";
}
