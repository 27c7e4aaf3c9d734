import { createWriteStream } from "node:fs";
import { chmod, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { InvalidOptionError, throwIfAborted } from "@exp/errors";
import { layerTarStream, type ExportContext, type ExportResult, type Exporter, type ExporterInstance, type ExportSource } from "@exp/solver";
import { removeTree } from "../fsops/remove-tree.js";
import { precheckOutput, resolveOutput } from "../fsops/resolve-output.js";
import { createWorkDir } from "../fsops/work-dir.js";
import { parseTarOptions, type TarOptions } from "../options.js";
import { assembleOutput, attestationMtimeMs, writesAttestationFiles } from "../rootfs/assemble-output.js";
import { Spool } from "../rootfs/spool.js";
import { nonClosing } from "./stdout-sink.js";
import { toTarEntries } from "./tar-entries.js";

export interface TarExporterOptions {
  /** Where `dest=-` writes when the export's context names no stdout (ExportContext.stdout); process.stdout by default. It is written to, never ended. */
  stdout?: NodeJS.WritableStream;
}

/** `--output type=tar,dest=<file>|-[,platform-split=<bool>][,source-date-epoch=<s>]` */
export function createTarExporter(factoryOptions: TarExporterOptions = {}): Exporter {
  return {
    type: "tar",
    resolve(attrs): ExporterInstance {
      const options = parseTarOptions(attrs);
      if (options.dest !== "-") precheckOutput(options.dest, "file");
      return {
        type: "tar",
        name: "exporting to client tarball",
        export: (source, ctx) => exportTar(source, ctx, options, ctx.stdout ?? factoryOptions.stdout ?? process.stdout),
      };
    },
  };
}

/** The type=tar exporter writing `dest=-` to the export's stdout (ExportContext.stdout, else process.stdout). */
export const tarExporter: Exporter = createTarExporter();

/**
 * The final filesystem(s) as one deterministic tar: unpacked once into a private spool, then
 * written in walk order with the image's own metadata (never the host's: no user names, no
 * atime/ctime, ids from the layers). A file output is written to a temp file next to it and
 * renamed over it; stdout is streamed, so a failure there leaves a truncated stream behind.
 */
async function exportTar(source: ExportSource, ctx: ExportContext, options: TarOptions, stdout: NodeJS.WritableStream): Promise<ExportResult> {
  const { signal } = ctx;
  throwIfAborted(signal, "exporting to a tarball");
  const epochSeconds = options.sourceDateEpoch ?? source.metadata.sourceDateEpoch;
  const split = options.platformSplit ?? source.multiPlatform;
  if (!split && source.results.length > 1) {
    // BuildKit's tar always splits a multi-platform result; merging is type=local's job.
    throw new InvalidOptionError("exporter tar", "platform-split", "false", "true (or unset) for a multi-platform result; use type=local,platform-split=false to merge platforms");
  }
  const toStdout = options.dest === "-";
  const dest = toStdout ? undefined : await resolveOutput(options.dest, "file");
  const work = await createWorkDir(dest?.path ?? join(tmpdir(), "exp-tar"));
  try {
    // Attestations name every file by its digest; hashing is skipped otherwise.
    const spool = new Spool({ dir: work.spool, hash: writesAttestationFiles(source), applyMeta: false });
    const attestations = { prefix: options.attestationPrefix, mtimeMs: attestationMtimeMs(epochSeconds) };
    const root = await assembleOutput(source, { spool, split, epochSeconds, signal, warn: (message) => ctx.progress.warn(message), attestations });
    const entries = toTarEntries(root);
    // The tar's digest is nobody's business here: streamed as it is made, not hashed.
    if (!dest) {
      await pipeline(layerTarStream(entries, { signal }), nonClosing(stdout));
    } else {
      const temp = join(work.root, "output.tar");
      await pipeline(layerTarStream(entries, { signal }), createWriteStream(temp, { flags: "wx" }));
      // A replaced tar keeps the permissions it had (a new one gets 0666 minus the umask).
      if (dest.mode !== undefined) await chmod(temp, dest.mode);
      throwIfAborted(signal, "exporting to a tarball");
      await rename(temp, dest.path);
    }
  } finally {
    await removeTree(work.root);
  }
  return { response: {} };
}
