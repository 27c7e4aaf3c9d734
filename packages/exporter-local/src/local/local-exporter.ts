import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { ExportContext, ExportResult, Exporter, ExporterInstance, ExportSource } from "@exp/solver";
import { removeTree } from "../fsops/remove-tree.js";
import { precheckOutput, resolveOutput } from "../fsops/resolve-output.js";
import { createWorkDir } from "../fsops/work-dir.js";
import { parseLocalOptions, type LocalOptions } from "../options.js";
import { assembleOutput, attestationMtimeMs, writesAttestationFiles } from "../rootfs/assemble-output.js";
import { Spool } from "../rootfs/spool.js";
import { applyDirMetas, type DirMetas } from "./dir-metas.js";
import { materialize } from "./materialize.js";
import { moveIntoPlace } from "./move-into-place.js";
import { removeStale } from "./remove-stale.js";

export interface LocalExporterOptions {
  /**
   * Give files the uid/gid their tar headers carry. Default: only when running as root; a normal
   * user cannot chown to others, so ownership is then silently left to the user.
   */
  preserveOwnership?: boolean;
}

/** `--output type=local,dest=<dir>[,platform-split=<bool>][,mode=copy|delete][,source-date-epoch=<s>]` */
export function createLocalExporter(factoryOptions: LocalExporterOptions = {}): Exporter {
  const preserveOwnership = factoryOptions.preserveOwnership ?? process.geteuid?.() === 0;
  return {
    type: "local",
    resolve(attrs): ExporterInstance {
      const options = parseLocalOptions(attrs);
      precheckOutput(options.dest, "directory");
      return {
        type: "local",
        name: "exporting to client directory",
        export: (source, ctx) => exportLocal(source, ctx, options, preserveOwnership),
      };
    },
  };
}

/** The type=local exporter with default settings. */
export const localExporter: Exporter = createLocalExporter();

/**
 * Writes the result into the destination as BuildKit's local exporter does: in place, one entry
 * at a time, each made aside and renamed over its path, so a file is never seen half written and
 * nothing is written through a name that was there. The destination directory itself is never
 * moved or replaced, so files others write into it meanwhile, a process working in it, and
 * filesystems mounted inside it all stay; with mode=copy (the default) nothing the result does not
 * name is touched, with mode=delete what it does not name is removed (never a mount point).
 * Every layer is read (spooled next to the destination) before the first write, so a failing or
 * aborted layer leaves the destination as it was. A destination that does not exist yet is built
 * whole beside it and renamed into place, so it appears complete or not at all.
 * BuildKit returns no response keys, no descriptor and no finalizer for local output, and neither do we.
 */
async function exportLocal(source: ExportSource, ctx: ExportContext, options: LocalOptions, preserveOwnership: boolean): Promise<ExportResult> {
  const { signal } = ctx;
  throwIfAborted(signal, "exporting to a directory");
  const epochSeconds = options.sourceDateEpoch ?? source.metadata.sourceDateEpoch;
  const split = options.platformSplit ?? source.multiPlatform;
  const warn = (message: string): void => ctx.progress.warn(message);
  const dest = await resolveOutput(options.dest, "directory");
  const work = await createWorkDir(dest.path);
  try {
    const scratch = join(work.root, "scratch");
    await mkdir(scratch);
    // Only a merge compares file contents across platforms, and attestations name every file by
    // its digest; hashing is skipped otherwise.
    const hash = (!split && source.results.length > 1) || writesAttestationFiles(source);
    const spool = new Spool({ dir: work.spool, hash, applyMeta: { preserveOwnership } });
    const attestations = { prefix: options.attestationPrefix, mtimeMs: attestationMtimeMs(epochSeconds) };
    const root = await assembleOutput(source, { spool, split, epochSeconds, signal, warn, attestations });
    throwIfAborted(signal, "exporting to a directory");
    const dirMetas: DirMetas = new Map();
    if (dest.exists) {
      if (options.mode === "delete") await removeStale(dest.path, root, signal);
      await materialize(root, { out: dest.path, scratch, dirMetas, preserveOwnership, signal });
      await applyDirMetas(dest.path, dirMetas, preserveOwnership, signal);
      return { response: {} };
    }
    const out = join(work.root, "out");
    await mkdir(out, 0o700);
    await materialize(root, { out, scratch, dirMetas, preserveOwnership, signal });
    await applyDirMetas(out, dirMetas, preserveOwnership, signal);
    await chmod(out, 0o755);
    // Past this check the export commits: an abort arriving during the rename no longer undoes it.
    throwIfAborted(signal, "exporting to a directory");
    await moveIntoPlace(out, dest.path);
  } finally {
    await removeTree(work.root);
  }
  return { response: {} };
}
