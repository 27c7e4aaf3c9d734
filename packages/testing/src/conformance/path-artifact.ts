import { readdir } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { ArtifactProbe } from "./types.js";

/**
 * The artifact of an exporter that writes a file or directory at a path: present is everything in
 * the target's parent directory, which must be the target's alone (the suite's default target is
 * `<dir>/dest-<id>/out`), so a temp file, a work directory or half a tarball left beside the
 * destination counts as part of the artifact; `verify` is the caller's check of the target itself.
 */
export function pathArtifact(verify: ArtifactProbe["verify"]): ArtifactProbe {
  return {
    verify,
    async present(target) {
      const entries = await readdir(dirname(target)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
      });
      return entries.map((name) => (name === basename(target) ? name : `${name} (beside ${basename(target)})`)).sort();
    },
  };
}
