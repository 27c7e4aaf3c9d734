import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { ExportContext, ExportResult, Exporter, ExporterInstance, ExportSource } from "@exp/solver";
import { removeTree } from "../fsops/remove-tree.js";
import { precheckOutput, resolveOutput } from "../fsops/resolve-output.js";
import { createWorkDir } from "../fsops/work-dir.js";
import { parseLocalOptions, type LocalOptions } from "../options.js";
import { assembleOutput } from "../rootfs/assemble-output.js";
import { Spool } from "../rootfs/spool.js";
import { applyDirMetas, type DirMetas } from "./dir-metas.js";
import { linkCopyTree } from "./link-copy.js";
import { materialize } from "./materialize.js";
import { swapIntoPlace } from "./swap.js";

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
 * Builds the complete new destination in a private directory next to it, then swaps it in: a
 * failure or an abort at any point before the swap leaves the old destination as it was, and the
 * work directory is removed on every path. BuildKit returns no response keys, no descriptor and
 * no finalizer for local output, and neither do we.
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
    const out = join(work.root, "out");
    const scratch = join(work.root, "scratch");
    await mkdir(out, 0o700);
    await mkdir(scratch);
    const dirMetas: DirMetas = new Map();
    if (options.mode === "copy" && dest.exists) await linkCopyTree(dest.path, out, dirMetas, { signal, preserveOwnership, warn });
    // Only a merge compares file contents across platforms; hashing is skipped otherwise.
    const spool = new Spool({ dir: work.spool, hash: !split && source.results.length > 1, applyMeta: { preserveOwnership } });
    const root = await assembleOutput(source, { spool, split, epochSeconds, signal, warn });
    await materialize(root, { out, scratch, dirMetas, preserveOwnership, signal });
    await applyDirMetas(out, dirMetas, preserveOwnership, signal);
    // The destination keeps its own permissions; a new one gets what mkdir would usually give.
    await chmod(out, dest.mode ?? 0o755);
    // Past this check the export commits: an abort arriving during the swap no longer undoes it.
    throwIfAborted(signal, "exporting to a directory");
    await swapIntoPlace(out, dest, join(work.root, "previous"));
  } finally {
    await removeTree(work.root);
  }
  return { response: {} };
}
