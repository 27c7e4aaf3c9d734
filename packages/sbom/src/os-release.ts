import { wholeFile, type FsView, type PlannedRead } from "./fs/fs-view.js";

/** The distribution a filesystem says it is, from os-release(5): what distro= purl qualifiers are made of. */
export interface OsRelease {
  /** "debian", "ubuntu", "alpine" */
  id: string;
  /** "12", "3.19.1"; absent on Debian testing/sid. */
  versionId?: string;
  /** IDs of distributions this one derives from ("debian" for Ubuntu). */
  idLike: string[];
  /** VERSION_CODENAME ("bookworm"), used when there is no VERSION_ID, as Syft does with BUILD_ID. */
  codename?: string;
}

const OS_RELEASE_PATHS = ["etc/os-release", "usr/lib/os-release"];
const OS_RELEASE_LIMIT = 64 * 1024;

export function osReleaseReads(view: FsView): PlannedRead[] {
  return OS_RELEASE_PATHS.flatMap((path) => wholeFile(view.fileAt(path), OS_RELEASE_LIMIT));
}

/** Reads /etc/os-release (falling back to /usr/lib/os-release, as os-release(5) says); undefined when neither is there. */
export async function readOsRelease(view: FsView): Promise<OsRelease | undefined> {
  for (const path of OS_RELEASE_PATHS) {
    if (!view.fileAt(path)) continue;
    try {
      return parseOsRelease(await view.readText(path, OS_RELEASE_LIMIT));
    } catch {
      continue;
    }
  }
  return undefined;
}

/** KEY=value lines, values optionally quoted with shell-style escapes (os-release(5)). */
export function parseOsRelease(text: string): OsRelease | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) continue;
    fields.set(match[1] as string, unquote((match[2] as string).trim()));
  }
  const id = fields.get("ID")?.toLowerCase();
  if (!id) return undefined;
  const versionId = fields.get("VERSION_ID");
  const codename = fields.get("VERSION_CODENAME");
  return {
    id,
    ...(versionId ? { versionId } : {}),
    ...(codename ? { codename } : {}),
    idLike: (fields.get("ID_LIKE") ?? "").split(/\s+/).filter(Boolean),
  };
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) return value.slice(1, -1).replace(/\\(.)/g, "$1");
  return value;
}

/** The distro= qualifier value Syft writes: "<ID>-<VERSION_ID>", or the codename when there is no version. */
export function distroQualifier(release: OsRelease | undefined): string | undefined {
  if (!release) return undefined;
  const version = release.versionId ?? release.codename;
  return version ? `${release.id}-${version}` : release.id;
}
