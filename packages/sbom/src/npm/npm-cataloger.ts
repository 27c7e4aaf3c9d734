import { mapLimit, messageOf, type CatalogContext, type Cataloger } from "../catalog.js";
import { wholeFile, type FsView, type PlannedRead } from "../fs/fs-view.js";
import type { FoundPackage } from "../model.js";
import { packageUrl } from "../purl.js";
import { spdxPerson } from "../spdx/person.js";
import { parsePackageJson, splitNpmName } from "./package-json.js";
import { parsePackageLock } from "./package-lock.js";

const MANIFEST_LIMIT = 4 * 1024 * 1024;
const LOCK_LIMIT = 256 * 1024 * 1024;

/**
 * True for the manifest of an installed package: node_modules/<name>/package.json or
 * node_modules/@scope/<name>/package.json, at any depth (npm's nested trees, pnpm's
 * .pnpm/<id>/node_modules/<name>). Other package.json files inside a package (a subfolder's
 * {"type": "module"}) are not read: a tree of 40 000 entries holds thousands of those files and
 * only the manifests name packages. Decided from the path alone, without a regular expression.
 */
export function isInstalledManifest(path: string): boolean {
  if (!path.endsWith("/package.json")) return false;
  const dir = path.slice(0, -"/package.json".length);
  const last = dir.lastIndexOf("/");
  const parent = dir.slice(0, last);
  if (dir[last + 1] === "@") return false;
  if (parent === "node_modules" || parent.endsWith("/node_modules")) return true;
  // A scoped package: node_modules/@scope/name.
  const scopeAt = parent.lastIndexOf("/");
  const scope = parent.slice(scopeAt + 1);
  const above = parent.slice(0, Math.max(0, scopeAt));
  return scope.startsWith("@") && (above === "node_modules" || above.endsWith("/node_modules"));
}

function isLockfile(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  // node_modules/.package-lock.json is npm's hidden copy of the tree: the manifests say it already.
  return (name === "package-lock.json" || name === "npm-shrinkwrap.json") && !path.includes("node_modules/");
}

/**
 * npm packages: every installed manifest in a node_modules folder, and the non-development
 * packages of package-lock.json / npm-shrinkwrap.json files outside node_modules. The same
 * name@version found in several places is one package with all its locations.
 */
export const npmCataloger: Cataloger = { find: findNpmPackages, reads: npmReads };

function npmReads(view: FsView): PlannedRead[] {
  return view.entries.flatMap((entry) => {
    if (entry.type !== "file" && entry.type !== "hardlink") return [];
    if (isInstalledManifest(entry.path)) return wholeFile(entry, MANIFEST_LIMIT);
    return isLockfile(entry.path) ? wholeFile(entry, LOCK_LIMIT) : [];
  });
}

async function findNpmPackages(context: CatalogContext): Promise<FoundPackage[]> {
  const { view, warn } = context;
  const manifests: string[] = [];
  const lockfiles: string[] = [];
  for (const entry of view.entries) {
    if (entry.type !== "file" && entry.type !== "hardlink") continue;
    if (isInstalledManifest(entry.path)) manifests.push(entry.path);
    else if (isLockfile(entry.path)) lockfiles.push(entry.path);
  }
  const byId = new Map<string, FoundPackage>();
  const add = (found: FoundPackage) => {
    const id = `${found.name}@${found.version}`;
    const known = byId.get(id);
    if (!known) byId.set(id, found);
    else {
      for (const location of found.locations) if (!known.locations.includes(location)) known.locations.push(location);
      if (known.licenses.length === 0) known.licenses = found.licenses;
    }
  };

  const read = async (path: string, limit: number): Promise<string | undefined> => {
    try {
      return await view.readText(path, limit);
    } catch (error) {
      warn({ path, cataloger: "npm", message: messageOf(error) });
      return undefined;
    }
  };

  const parsed = await mapLimit(manifests, 16, async (path) => {
    const text = await read(path, MANIFEST_LIMIT);
    if (text === undefined) return undefined;
    const manifest = parsePackageJson(text);
    if (typeof manifest === "string") {
      warn({ path, cataloger: "npm", message: `skipped: ${manifest}` });
      return undefined;
    }
    return { path, manifest };
  });
  for (const item of parsed) {
    if (!item) continue;
    const { path, manifest } = item;
    const author = spdxPerson(manifest.author);
    add({
      ...npmIdentity(manifest.name, manifest.version),
      licenses: manifest.licenses,
      ...(author ? { originator: author, supplier: author } : {}),
      ...(manifest.description ? { description: manifest.description } : {}),
      ...(manifest.homepage ? { homepage: manifest.homepage } : {}),
      locations: [path],
      foundBy: "acquired package info from installed node module manifest file",
      files: [],
    });
  }

  for (const path of lockfiles) {
    const text = await read(path, LOCK_LIMIT);
    if (text === undefined) continue;
    const locked = parsePackageLock(text);
    if (typeof locked === "string") {
      warn({ path, cataloger: "npm", message: `skipped: ${locked}` });
      continue;
    }
    for (const item of locked) {
      add({ ...npmIdentity(item.name, item.version), licenses: item.licenses, locations: [path], foundBy: "acquired package info from package-lock.json", files: [] });
    }
  }
  return [...byId.values()];
}

function npmIdentity(fullName: string, version: string): Pick<FoundPackage, "type" | "name" | "version" | "purl"> {
  const { namespace, name } = splitNpmName(fullName);
  return { type: "npm", name: fullName, version, purl: packageUrl("npm", namespace, name, version) };
}
