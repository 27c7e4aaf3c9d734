import { ExpError } from "@exp/errors";
import type { FsSource } from "../fs/index.js";

/** `--chown` as written: numeric ids, or names to look up in the image being copied onto. */
export type ChownSpec = { uid: number; gid: number } | { user: string; group?: string };

export class ChownLookupError extends ExpError {
  constructor(spec: string, reason: string) {
    super("ERR_CHOWN_UNKNOWN", `--chown=${spec}: ${reason}`);
  }
}

/**
 * Resolves `--chown` (and USER for WORKDIR) the way BuildKit's readUser does
 * (solver/llbsolver/ops/user_linux.go, with client/llb/fileop.go WithUser): "root" and numbers are
 * ids without a lookup (a numeric user alone is also the group); a user name is looked up in the
 * destination's /etc/passwd and brings its primary group; a group name in /etc/group. An empty
 * user (`:staff`) or group (`app:`) is id 0, as there: llb's UserOpt.marshal sends an empty name
 * as ByID 0 (client/llb/fileop.go).
 * BuildKit maps a name it cannot find to 0; exp refuses it instead, since a typo would otherwise
 * hand the files to root silently.
 */
export async function resolveChown(spec: ChownSpec, destination: () => Promise<FsSource>, signal?: AbortSignal): Promise<{ uid: number; gid: number }> {
  if ("uid" in spec) return spec;
  const text = `${spec.user}${spec.group === undefined ? "" : `:${spec.group}`}`;
  let fs: FsSource | undefined;
  const read = async (path: string): Promise<string> => {
    fs ??= await destination();
    const entries = await fs.list(signal ? { signal } : {});
    if (!entries.some((e) => e.path === path && e.type === "file")) throw new ChownLookupError(text, `the image has no /${path} to look names up in; use numeric ids (or root)`);
    const chunks: Buffer[] = [];
    for await (const chunk of await fs.open(path, signal ? { signal } : {})) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };
  let uid = idOf(spec.user);
  let gid: number | undefined;
  if (uid === undefined) {
    const row = parseColonFile(await read("etc/passwd")).find((fields) => fields[0] === spec.user);
    if (!row) throw new ChownLookupError(text, `no user "${spec.user}" in the image's /etc/passwd`);
    uid = Number(row[2]);
    gid = Number(row[3]);
  } else gid = uid;
  if (spec.group === undefined) return { uid, gid };
  let groupId = idOf(spec.group);
  if (groupId === undefined) {
    const row = parseColonFile(await read("etc/group")).find((fields) => fields[0] === spec.group);
    if (!row) throw new ChownLookupError(text, `no group "${spec.group}" in the image's /etc/group`);
    groupId = Number(row[2]);
  }
  return { uid, gid: groupId };
}

/** BuildKit's parseUID: "root" and decimal numbers are ids; "" is id 0 (UserOpt.marshal's ByID 0). */
function idOf(value: string): number | undefined {
  if (value === "root" || value === "") return 0;
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function parseColonFile(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}
