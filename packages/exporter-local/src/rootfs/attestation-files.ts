import { Readable } from "node:stream";
import { throwIfAborted } from "@exp/errors";
import { inTotoStatement, type InTotoAttestation, type InTotoSubject } from "@exp/solver";
import { DuplicateAttestationError } from "../errors.js";
import type { DirNode, FileNode } from "./rootfs-tree.js";
import { walkTree } from "./rootfs-tree.js";
import type { Spool } from "./spool.js";

export interface AttestationFilesOptions {
  spool: Spool;
  /** `attestation-prefix`: put before each statement's file name. */
  prefix: string;
  /** The platform (`linux/amd64`) to put in each name, when several platforms share one tree (BuildKit: isMap and not split). */
  platformInName?: string;
  /** The statements' mtime: SOURCE_DATE_EPOCH, else the export's start (BuildKit's `now`, truncated to the second). */
  mtimeMs: number;
  signal: AbortSignal;
}

/**
 * Adds a result's attestations to its output tree as BuildKit's local and tar exporters do
 * (exporter/local/fs.go CreateFS): one in-toto statement per attestation, about every regular
 * file of the result (its path and sha256), written as indented JSON to `<prefix><basename of
 * the attestation's path>`, mode 0600, at the top of the result's tree. Inline-only attestations
 * are left out there, as there.
 */
export async function addAttestationFiles(root: DirNode, attestations: readonly InTotoAttestation[], options: AttestationFilesOptions): Promise<void> {
  const written = attestations.filter((a) => !a.inlineOnly);
  if (written.length === 0) return;
  const subjects: InTotoSubject[] = [];
  for (const [path, node] of walkTree(root)) {
    if (node.kind !== "file") continue;
    const digest = node.content.digest;
    // The spool hashes every file when an export has attestations (local-exporter, tar-exporter).
    if (digest === undefined) throw new TypeError(`the spool did not hash ${JSON.stringify(path)}: attestation subjects need every file's digest`);
    const [algorithm, encoded] = digest.split(":") as [string, string];
    subjects.push({ name: path, digest: { [algorithm]: encoded } });
  }
  const names = new Set<string>();
  for (const attestation of written) {
    throwIfAborted(options.signal, "writing attestations");
    const name = fileName(attestation.path, options);
    if (names.has(name)) throw new DuplicateAttestationError(name);
    names.add(name);
    const meta = { mode: 0o600, uid: 0, gid: 0, mtimeMs: options.mtimeMs };
    const body = Buffer.from(JSON.stringify(inTotoStatement(attestation, subjects), null, 2));
    const content = await options.spool.write(Readable.from([body]), meta, options.signal);
    const node: FileNode = { kind: "file", meta, layer: -1, content };
    const existing = root.children.get(name);
    root.children.set(name, node);
    // The statement wins over a file of the result with its name, as BuildKit's merged FS lets its upper layer win.
    if (existing?.kind === "file") await options.spool.release(existing.content);
  }
}

function fileName(path: string, options: AttestationFilesOptions): string {
  const name = options.prefix + (path.split("/").pop() ?? path);
  if (options.platformInName === undefined) return name;
  const dot = name.lastIndexOf(".");
  const [stem, ext] = dot >= 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  return `${stem}.${options.platformInName.replaceAll("/", "_")}${ext}`;
}
