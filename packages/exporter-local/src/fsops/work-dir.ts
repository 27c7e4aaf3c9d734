import { mkdir, mkdtemp } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface WorkDir {
  /** Removed, with everything in it, when the export ends (success, failure or abort). */
  readonly root: string;
  /** Spooled layer files. */
  readonly spool: string;
}

/**
 * A private directory next to `output`: on its filesystem, so what is built in it can be renamed
 * onto the output (a rename is atomic and copies nothing), and hidden by a leading dot. Named
 * after the output so a leftover from a crash (kill -9) says what it belonged to.
 */
export async function createWorkDir(output: string): Promise<WorkDir> {
  const root = await mkdtemp(join(dirname(output), `.${basename(output)}.exp-`));
  const spool = join(root, "spool");
  await mkdir(spool);
  return { root, spool };
}
