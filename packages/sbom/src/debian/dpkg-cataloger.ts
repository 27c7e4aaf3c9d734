import { messageOf, mapLimit, type CatalogContext, type Cataloger } from "../catalog.js";
import { wholeFile, type FsView, type PlannedRead } from "../fs/fs-view.js";
import type { FoundPackage, OwnedFile } from "../model.js";
import { distroQualifier, type OsRelease } from "../os-release.js";
import { packageUrl } from "../purl.js";
import { spdxPerson } from "../spdx/person.js";
import { licensesFromCopyright } from "./copyright.js";
import { fieldOf, parseDeb822, type Deb822Paragraph } from "./deb822.js";
import { md5Checksum, parseConffiles, parseDpkgList, parseMd5sums } from "./dpkg-files.js";

const STATUS = "var/lib/dpkg/status";
const STATUS_D = "var/lib/dpkg/status.d/";
const INFO = "var/lib/dpkg/info/";
// A status file of a large image is a few MB; anything far bigger is not one.
const STATUS_LIMIT = 64 * 1024 * 1024;
const INFO_LIMIT = 16 * 1024 * 1024;
const COPYRIGHT_LIMIT = 4 * 1024 * 1024;

/** One installed package's paragraph and the database file it came from. */
interface Installed {
  paragraph: Deb822Paragraph;
  dbPath: string;
  /** For distroless status.d entries: the .md5sums beside it, since there is no info/ directory. */
  md5sumsPath?: string;
}

/**
 * Debian and Ubuntu packages from dpkg's database: var/lib/dpkg/status (with the files each owns
 * from info/<name>[:<arch>].list and their MD5s from .md5sums and Conffiles), and distroless's
 * var/lib/dpkg/status.d/<name> paragraphs (MD5s from status.d/<name>.md5sums). Licences come from
 * usr/share/doc/<name>/copyright when it is machine-readable (DEP-5).
 */
export const dpkgCataloger: Cataloger = { find: findDpkgPackages, reads: dpkgReads };

/** The status file and status.d, every .list and .md5sums of info/, every copyright of usr/share/doc. */
function dpkgReads(view: FsView): PlannedRead[] {
  const reads = wholeFile(view.fileAt(STATUS), STATUS_LIMIT);
  for (const entry of view.entries) {
    const { path } = entry;
    if (path.startsWith(STATUS_D) && path.indexOf("/", STATUS_D.length) === -1) reads.push(...wholeFile(view.fileAt(path), STATUS_LIMIT));
    else if (path.startsWith(INFO) && (path.endsWith(".list") || path.endsWith(".md5sums"))) reads.push(...wholeFile(view.fileAt(path), INFO_LIMIT));
    else if (path.startsWith("usr/share/doc/") && path.endsWith("/copyright") && path.split("/").length === 5) reads.push(...wholeFile(view.fileAt(path), COPYRIGHT_LIMIT));
  }
  return reads;
}

async function findDpkgPackages(context: CatalogContext): Promise<FoundPackage[]> {
  const { view, warn } = context;
  const installed: Installed[] = [];
  const readDb = async (path: string): Promise<Deb822Paragraph[]> => {
    try {
      return parseDeb822(await view.readText(path, STATUS_LIMIT));
    } catch (error) {
      warn({ path, cataloger: "dpkg", message: messageOf(error) });
      return [];
    }
  };
  if (view.fileAt(STATUS)) {
    for (const paragraph of await readDb(STATUS)) {
      // Only what dpkg calls installed: "install ok installed" (or held at that state); removed
      // packages whose config files remain ("deinstall ok config-files") and half-installed ones are not.
      const status = (fieldOf(paragraph, "Status") ?? "").split(/\s+/);
      if (status[2] !== "installed" || (status[0] !== "install" && status[0] !== "hold") || status[1] !== "ok") continue;
      installed.push({ paragraph, dbPath: STATUS });
    }
  }
  for (const entry of view.entries) {
    if (!entry.path.startsWith(STATUS_D) || entry.path.indexOf("/", STATUS_D.length) !== -1) continue;
    if (entry.type !== "file" && entry.type !== "hardlink") continue;
    // status.d also holds <name>.md5sums (and sometimes .list) next to each paragraph file.
    if (/\.(md5sums|list|conffiles|preinst|postinst|prerm|postrm)$/.test(entry.path)) continue;
    for (const paragraph of await readDb(entry.path)) installed.push({ paragraph, dbPath: entry.path, md5sumsPath: `${entry.path}.md5sums` });
  }

  const release = context.release;
  const packages = await mapLimit(installed, 8, (item) => toPackage(context, item, release));
  return packages.filter((found): found is FoundPackage => found !== undefined);
}

async function toPackage(context: CatalogContext, { paragraph, dbPath, md5sumsPath }: Installed, release: OsRelease | undefined): Promise<FoundPackage | undefined> {
  const { view, warn } = context;
  const name = fieldOf(paragraph, "Package");
  const version = fieldOf(paragraph, "Version");
  if (paragraph.error !== undefined || !name || !version) {
    const why = paragraph.error ?? `no ${name ? "Version" : "Package"} field`;
    warn({ path: dbPath, cataloger: "dpkg", message: `skipped the paragraph at line ${paragraph.line}${name ? ` (${name})` : ""}: ${why}` });
    return undefined;
  }
  const arch = fieldOf(paragraph, "Architecture");
  const locations = [dbPath];
  const readOptional = async (path: string, limit: number): Promise<string | undefined> => {
    if (!view.fileAt(path)) return undefined;
    try {
      const text = await view.readText(path, limit);
      locations.push(path);
      return text;
    } catch (error) {
      warn({ path, cataloger: "dpkg", message: messageOf(error) });
      return undefined;
    }
  };

  // dpkg names info files <name>:<arch> for Multi-Arch: same packages and <name> otherwise.
  const infoKey = arch && arch !== "all" && view.fileAt(`${INFO}${name}:${arch}.list`) ? `${name}:${arch}` : name;
  const listText = md5sumsPath === undefined ? await readOptional(`${INFO}${infoKey}.list`, INFO_LIMIT) : undefined;
  const md5Text = await readOptional(md5sumsPath ?? `${INFO}${infoKey}.md5sums`, INFO_LIMIT);
  const sums = md5Text === undefined ? new Map<string, string>() : parseMd5sums(md5Text);
  for (const [path, sum] of parseConffiles(fieldOf(paragraph, "Conffiles"))) if (!sums.has(path)) sums.set(path, sum);
  // Without a .list (distroless), the files are those the MD5 list names.
  const listed = listText === undefined ? [...sums.keys()] : parseDpkgList(listText);
  const files = ownedFiles(context, listed, sums);

  const copyright = await readOptional(`usr/share/doc/${name}/copyright`, COPYRIGHT_LIMIT);
  const licenses = copyright === undefined ? [] : licensesFromCopyright(copyright);
  const inline = fieldOf(paragraph, "License");
  if (inline) licenses.push(inline);

  return {
    type: "deb",
    name,
    version,
    purl: debPurl(name, version, arch, fieldOf(paragraph, "Source"), release),
    licenses,
    ...withPerson("originator", spdxPerson(fieldOf(paragraph, "Maintainer"))),
    ...withPerson("supplier", spdxPerson(fieldOf(paragraph, "Maintainer"))),
    ...(fieldOf(paragraph, "Homepage") ? { homepage: fieldOf(paragraph, "Homepage") as string } : {}),
    locations,
    foundBy: "acquired package info from DPKG DB",
    files,
  };
}

function withPerson(key: "originator" | "supplier", value: string | undefined): Partial<Record<"originator" | "supplier", string>> {
  return value === undefined ? {} : { [key]: value };
}

/**
 * The regular files among a package's listed paths (directories and symlinks are not reported,
 * as Syft reports only files it has digests for), under the path they resolve to (usrmerge: dpkg
 * lists /bin/ls, the file is usr/bin/ls), with the MD5 dpkg recorded when it has one.
 */
function ownedFiles({ view }: CatalogContext, listed: readonly string[], sums: ReadonlyMap<string, string>): OwnedFile[] {
  const files = new Map<string, OwnedFile>();
  for (const path of listed) {
    const entry = view.ownedFileAt(path);
    if (!entry || files.has(entry.path)) continue;
    const sum = sums.get(path);
    files.set(entry.path, { path: entry.path, checksums: sum === undefined ? [] : [md5Checksum(sum)] });
  }
  return [...files.values()];
}

/**
 * pkg:deb/<distro id>/<name>@<version>?arch=…&distro=<id>-<version>&upstream=<source>, as Syft's
 * debian packageURL: only for Debian and distributions like it; `upstream` is the Source field
 * when the package has one (dpkg writes it only when it differs from the name), with "@<version>"
 * when the source version differs too ("Source: gcc-12 (12.2.0-14)").
 */
export function debPurl(name: string, version: string, arch: string | undefined, source: string | undefined, release: OsRelease | undefined): string | undefined {
  if (!release || (release.id !== "debian" && !release.idLike.includes("debian"))) return undefined;
  let upstream: string | undefined;
  if (source) {
    const match = /^(\S+)(?:\s+\((.*)\))?$/.exec(source.trim());
    upstream = match?.[2] ? `${match[1]}@${match[2]}` : (match?.[1] ?? source);
  }
  return packageUrl("deb", release.id, name, version, { arch, distro: distroQualifier(release), upstream });
}
