import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { extract, type Header } from "tar-stream";
import type { Layer } from "@exp/solver";

/** A context's files: text content, or a symlink's target. */
export type ContextFiles = Record<string, string | { symlink: string }>;

/** Writes `files` under `root` (parent directories created) and returns `root`. */
export async function writeContextFiles(root: string, files: ContextFiles): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    if (typeof content === "string") await writeFile(join(root, path), content);
    else await symlink(content.symlink, join(root, path));
  }
  return root;
}

/**
 * Every entry of a layer with its bytes, read by tar-stream: a reader other than the one exp
 * writes its layers with (@exp/tar), so the tests do not check exp's tars with exp's own code.
 */
export async function readLayerEntries(layer: Layer): Promise<Array<{ header: Header; content: Buffer }>> {
  const found: Array<{ header: Header; content: Buffer }> = [];
  const parser = extract();
  parser.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: unknown) => void chunks.push(chunk as Buffer));
    stream.on("end", () => {
      found.push({ header, content: Buffer.concat(chunks) });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on("finish", () => resolve());
    parser.on("error", reject);
  });
  (await layer.openTar({})).pipe(parser);
  await done;
  return found;
}
