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
 * Resolves names the way BuildKit does: the user in the destination filesystem's /etc/passwd
 * (its primary group unless a group is given), the group in /etc/group; a numeric part is taken
 * as it is. `destination` is the filesystem the files are copied onto.
 */
export async function resolveChown(spec: ChownSpec, destination: () => Promise<FsSource>, signal?: AbortSignal): Promise<{ uid: number; gid: number }> {
  if ("uid" in spec) return spec;
  const text = `${spec.user}${spec.group === undefined ? "" : `:${spec.group}`}`;
  const numeric = (value: string) => (/^\d+$/.test(value) ? Number(value) : undefined);
  let fs: FsSource | undefined;
  const read = async (path: string): Promise<string> => {
    fs ??= await destination();
    const entries = await fs.list(signal ? { signal } : {});
    if (!entries.some((e) => e.path === path && e.type === "file")) throw new ChownLookupError(text, `the image has no /${path} to look names up in; use numeric ids`);
    const chunks: Buffer[] = [];
    for await (const chunk of await fs.open(path, signal ? { signal } : {})) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };
  let uid = numeric(spec.user);
  let primaryGid: number | undefined;
  if (uid === undefined || spec.group === undefined) {
    const row = parseColonFile(await read("etc/passwd")).find((fields) => (uid === undefined ? fields[0] === spec.user : Number(fields[2]) === uid));
    if (!row) throw new ChownLookupError(text, `no user "${spec.user}" in the image's /etc/passwd`);
    uid = Number(row[2]);
    primaryGid = Number(row[3]);
  }
  if (spec.group === undefined) return { uid, gid: primaryGid ?? uid };
  let gid = numeric(spec.group);
  if (gid === undefined) {
    const row = parseColonFile(await read("etc/group")).find((fields) => fields[0] === spec.group);
    if (!row) throw new ChownLookupError(text, `no group "${spec.group}" in the image's /etc/group`);
    gid = Number(row[2]);
  }
  return { uid, gid };
}

function parseColonFile(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}
