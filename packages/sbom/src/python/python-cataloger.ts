import { posix } from "node:path";
import { mapLimit, messageOf, type CatalogContext, type Cataloger } from "../catalog.js";
import { wholeFile, type FsView, type PlannedRead } from "../fs/fs-view.js";
import type { FoundPackage, OwnedFile } from "../model.js";
import { packageUrl } from "../purl.js";
import { spdxPerson } from "../spdx/person.js";
import { normalizePythonName, parseCoreMetadata, parseRecord } from "./core-metadata.js";

const LIMIT = 4 * 1024 * 1024;
// A License field longer than this is the licence's text, not its name (setuptools copies the file in).
const LICENSE_NAME_MAX = 200;

/** Where a distribution's metadata is: a wheel's .dist-info/METADATA, an egg's .egg-info/PKG-INFO, or an .egg-info file. */
function metadataKind(path: string): "dist-info" | "egg-info" | "egg-info-file" | undefined {
  if (path.endsWith(".dist-info/METADATA")) return "dist-info";
  if (path.endsWith(".egg-info/PKG-INFO")) return "egg-info";
  if (path.endsWith(".egg-info")) return "egg-info-file";
  return undefined;
}

/**
 * Installed Python distributions: wheels' *.dist-info/METADATA (with the files RECORD lists, and
 * their SHA-256s), setuptools' *.egg-info/PKG-INFO and distutils' single-file *.egg-info.
 */
export const pythonCataloger: Cataloger = { find: findPythonPackages, reads: pythonReads };

function pythonReads(view: FsView): PlannedRead[] {
  return view.entries.flatMap((entry) => ((entry.type === "file" || entry.type === "hardlink") && (metadataKind(entry.path) !== undefined || entry.path.endsWith(".dist-info/RECORD")) ? wholeFile(entry, LIMIT) : []));
}

async function findPythonPackages(context: CatalogContext): Promise<FoundPackage[]> {
  const { view, warn } = context;
  const found = view.entries.filter((entry) => (entry.type === "file" || entry.type === "hardlink") && metadataKind(entry.path) !== undefined);
  const packages = await mapLimit(found, 8, async (entry): Promise<FoundPackage | undefined> => {
    const path = entry.path;
    const kind = metadataKind(path) as NonNullable<ReturnType<typeof metadataKind>>;
    let fields: Map<string, string[]> | string;
    try {
      fields = parseCoreMetadata(await view.readText(path, LIMIT));
    } catch (error) {
      warn({ path, cataloger: "python", message: messageOf(error) });
      return undefined;
    }
    const first = (key: string) => (typeof fields === "string" ? undefined : fields.get(key)?.[0]);
    const name = first("name");
    const version = first("version");
    if (typeof fields === "string" || !name || !version) {
      warn({ path, cataloger: "python", message: `skipped: ${typeof fields === "string" ? fields : `no ${name ? "Version" : "Name"} field`}` });
      return undefined;
    }
    const locations = [path];
    let files: OwnedFile[] = [];
    if (kind === "dist-info") {
      const recordPath = `${posix.dirname(path)}/RECORD`;
      if (view.fileAt(recordPath)) {
        try {
          files = ownedFiles(context, posix.dirname(posix.dirname(path)), parseRecord(await view.readText(recordPath, LIMIT)));
          locations.push(recordPath);
        } catch (error) {
          warn({ path: recordPath, cataloger: "python", message: messageOf(error) });
        }
      }
    }
    const normalized = normalizePythonName(name);
    const author = authorOf(first("author"), first("author-email"));
    return {
      type: "python",
      name: normalized,
      version,
      purl: packageUrl("pypi", undefined, normalized, version),
      licenses: licensesOf(first("license-expression"), first("license")),
      ...(author ? { originator: author, supplier: author } : {}),
      ...(first("summary") ? { description: first("summary") as string } : {}),
      ...(first("home-page") ? { homepage: first("home-page") as string } : {}),
      locations,
      foundBy: "acquired package info from installed python package manifest file",
      files,
    };
  });
  return packages.filter((item): item is FoundPackage => item !== undefined);
}

/** License-Expression (core metadata 2.4) when there is one, else a License field that names a licence rather than quoting it. */
function licensesOf(expression: string | undefined, license: string | undefined): string[] {
  if (expression) return [expression];
  if (!license || license === "UNKNOWN" || license.includes("\n") || license.length > LICENSE_NAME_MAX) return [];
  return [license];
}

function authorOf(author: string | undefined, email: string | undefined): string | undefined {
  if (email && email.includes("<")) return spdxPerson(email);
  if (author && email) return spdxPerson(`${author} <${email}>`);
  return spdxPerson(author ?? email);
}

function ownedFiles({ view }: CatalogContext, sitePackages: string, record: { path: string; sha256?: string }[]): OwnedFile[] {
  const files = new Map<string, OwnedFile>();
  for (const item of record) {
    const joined = posix.normalize(posix.join(sitePackages, item.path));
    if (joined.startsWith("../")) continue;
    const entry = view.ownedFileAt(joined);
    if (!entry || files.has(entry.path)) continue;
    files.set(entry.path, { path: entry.path, checksums: item.sha256 ? [{ algorithm: "SHA256", checksumValue: item.sha256 }] : [] });
  }
  return [...files.values()];
}
