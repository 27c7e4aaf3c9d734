import { throwIfAborted } from "@exp/errors";
import { formatPlatform, platformKey } from "@exp/oci-spec";
import type { ExportSource } from "@exp/solver";
import { LocalConflictError } from "../errors.js";
import { addAttestationFiles } from "./attestation-files.js";
import { buildRootfs } from "./build-rootfs.js";
import { mergeRoots, type LabelledRoot } from "./merge-trees.js";
import { syntheticMtime } from "./node-meta.js";
import { platformDirName } from "./platform-dir.js";
import type { DirNode, TreeNode } from "./rootfs-tree.js";
import type { Spool } from "./spool.js";

export interface AssembleOptions {
  spool: Spool;
  /** One directory per platform (true), or every platform's files in one tree (false). */
  split: boolean;
  epochSeconds: number | undefined;
  signal: AbortSignal;
  warn: (message: string) => void;
  /** `attestation-prefix`, and the mtime of the statement files (see addAttestationFiles). */
  attestations: { prefix: string; mtimeMs: number };
}

/** Statement files get SOURCE_DATE_EPOCH, else the export's start truncated to the second (BuildKit's local export.go `now`). */
export function attestationMtimeMs(epochSeconds: number | undefined): number {
  return epochSeconds === undefined ? Math.floor(Date.now() / 1000) * 1000 : epochSeconds * 1000;
}

/** True when some result has attestations a local or tar output writes (so the spool must hash every file for their subjects). */
export function writesAttestationFiles(source: ExportSource): boolean {
  return source.results.some((r) => (r.attestations ?? []).some((a) => !a.inlineOnly));
}

/**
 * What an export writes, as one tree: each platform result's final filesystem, under its
 * `os_arch[_variant]` directory when split, else merged (a single result is its own root).
 * The root node stands for the output itself (the dest directory, the top of the tar).
 */
export async function assembleOutput(source: ExportSource, options: AssembleOptions): Promise<DirNode> {
  const roots: LabelledRoot[] = [];
  for (const result of source.results) {
    throwIfAborted(options.signal, "exporting files");
    const label = formatPlatform(result.platform);
    const tree = await buildRootfs(result.ref.layers, options.spool, {
      signal: options.signal,
      ...(options.epochSeconds === undefined ? {} : { epochSeconds: options.epochSeconds }),
      onSkipped: (path, type) => options.warn(`${label}: ${type} ${JSON.stringify(path)} is not exported`),
    });
    await addAttestationFiles(tree.root, result.attestations ?? [], {
      spool: options.spool,
      prefix: options.attestations.prefix,
      // Several platforms in one tree: each statement's name says whose it is.
      ...(source.multiPlatform && !options.split ? { platformInName: platformKey(result.platform) } : {}),
      mtimeMs: options.attestations.mtimeMs,
      signal: options.signal,
    });
    roots.push({ label, root: tree.root });
  }
  if (options.split) return splitRoot(source, roots, options.epochSeconds);
  if (roots.length === 1) return (roots[0] as LabelledRoot).root;
  return mergeRoots(roots);
}

function splitRoot(source: ExportSource, roots: readonly LabelledRoot[], epochSeconds: number | undefined): DirNode {
  const meta = { mode: 0o755, uid: 0, gid: 0, mtimeMs: syntheticMtime(epochSeconds) };
  const top: DirNode = { kind: "dir", meta: { ...meta }, layer: -1, children: new Map<string, TreeNode>() };
  const labels = new Map<string, string>();
  for (const [index, { label, root }] of roots.entries()) {
    const name = platformDirName((source.results[index] as ExportSource["results"][number]).platform);
    const previous = labels.get(name);
    if (previous !== undefined) throw new LocalConflictError(name, previous, label, "two results for the same platform");
    labels.set(name, label);
    top.children.set(name, { ...root, meta: { ...meta } });
  }
  return top;
}
