import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** More than one 16 MiB part: S3 goes multipart, and a registry capped at 16 MiB per request forces a chunked (PATCH) upload. */
export const BIG_LAYER_BYTES = 17 * 1024 * 1024;

export interface ExportContext {
  index: number;
  dir: string;
  /** Whether the context has a layer over 16 MiB. */
  big: boolean;
}

/**
 * The build context of export `index`. Its layers differ in how often they repeat, so that every
 * upload path runs: `shared/` is the same in every export (after the first, a HEAD finds it, a
 * mount copies it, S3 touches it), `group/` repeats every `groups` exports, `unique.txt` is new each
 * time (a real upload), and the few `big` exports add an incompressible layer over 16 MiB.
 */
export async function writeExportContext(root: string, index: number, options: { big: boolean; groups: number }): Promise<ExportContext> {
  const dir = join(root, `ctx-${index}`);
  const group = index % options.groups;
  await mkdir(join(dir, "shared"), { recursive: true });
  await mkdir(join(dir, "group"), { recursive: true });
  await writeFile(join(dir, "shared", "lib.txt"), "shared library\n".repeat(2_000));
  await writeFile(join(dir, "group", "data.txt"), `group ${group}\n`.repeat(1_000 + group));
  // Random bytes do not compress, so the layer is a real upload of some size.
  await writeFile(join(dir, "unique.bin"), randomBytes(64 * 1024 + index));
  const lines = ["FROM scratch", "COPY shared/ /shared/", "COPY group/ /group/", "COPY unique.bin /"];
  if (options.big) {
    await writeFile(join(dir, "big.bin"), randomBytes(BIG_LAYER_BYTES));
    lines.push("COPY big.bin /");
  }
  lines.push(`ENV EXPORT=${index}`);
  await writeFile(join(dir, "Dockerfile"), `${lines.join("\n")}\n`);
  return { index, dir, big: options.big };
}
