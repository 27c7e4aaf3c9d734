import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { orAbsent } from "@exp/errors";
import { UnsafePathError } from "../errors.js";

/**
 * Verifies, with lstat, that every parent directory of a path inside the output root is a real
 * directory, before anything is written there: a symlink among them (planted by the image or
 * already in the destination) would redirect the write outside the root. Verified directories are
 * remembered; the writer only ever replaces a directory by a non-directory, and nothing is
 * written below a non-directory, so the memo cannot go stale within one export.
 */
export class SafeParents {
  private readonly verified = new Set<string>([""]);

  constructor(private readonly root: string) {}

  async check(path: string): Promise<void> {
    const parts = path.split("/");
    let prefix = "";
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = prefix === "" ? (parts[i] as string) : `${prefix}/${parts[i] as string}`;
      if (this.verified.has(prefix)) continue;
      const stats = await orAbsent(lstat(join(this.root, prefix)), "lstat", join(this.root, prefix));
      if (stats?.isSymbolicLink()) throw new UnsafePathError(path, `its parent ${JSON.stringify(prefix)} is a symbolic link`);
      if (!stats?.isDirectory()) throw new UnsafePathError(path, `its parent ${JSON.stringify(prefix)} is not a directory`);
      this.verified.add(prefix);
    }
  }

  /** A directory the writer itself just made (or found and checked) at `path`. */
  markDirectory(path: string): void {
    this.verified.add(path);
  }
}
