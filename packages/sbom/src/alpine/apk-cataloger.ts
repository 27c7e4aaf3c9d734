import { messageOf, type CatalogContext, type Cataloger } from "../catalog.js";
import { wholeFile } from "../fs/fs-view.js";
import { licenseExpressionOf } from "../license/declared-license.js";
import type { FoundPackage, OwnedFile } from "../model.js";
import { distroQualifier, type OsRelease } from "../os-release.js";
import { packageUrl } from "../purl.js";
import { spdxPerson } from "../spdx/person.js";
import { parseApkInstalled, type ApkRecord } from "./apk-db.js";

const INSTALLED = "lib/apk/db/installed";
const LIMIT = 64 * 1024 * 1024;

/** Alpine packages from apk's installed database, with the files each owns and their SHA-1s. */
export const apkCataloger: Cataloger = { find: findApkPackages, reads: (view) => wholeFile(view.fileAt(INSTALLED), LIMIT) };

async function findApkPackages(context: CatalogContext): Promise<FoundPackage[]> {
  const { view, warn } = context;
  if (!view.fileAt(INSTALLED)) return [];
  let text: string;
  try {
    text = await view.readText(INSTALLED, LIMIT);
  } catch (error) {
    warn({ path: INSTALLED, cataloger: "apk", message: messageOf(error) });
    return [];
  }
  const packages: FoundPackage[] = [];
  for (const record of parseApkInstalled(text)) {
    const found = toPackage(context, record, context.release);
    if (found) packages.push(found);
  }
  return packages;
}

function toPackage({ view, warn }: CatalogContext, record: ApkRecord, release: OsRelease | undefined): FoundPackage | undefined {
  const field = (key: string) => record.fields.get(key);
  const name = field("P");
  const version = field("V");
  if (record.error !== undefined || !name || !version) {
    warn({ path: INSTALLED, cataloger: "apk", message: `skipped the record at line ${record.line}${name ? ` (${name})` : ""}: ${record.error ?? `no ${name ? "V" : "P"} field`}` });
    return undefined;
  }
  const origin = field("o");
  const files = new Map<string, OwnedFile>();
  for (const file of record.files) {
    const entry = view.ownedFileAt(file.path);
    if (!entry || files.has(entry.path)) continue;
    files.set(entry.path, { path: entry.path, checksums: file.checksum ? [file.checksum] : [] });
  }
  const maintainer = spdxPerson(field("m"));
  return {
    type: "apk",
    name,
    version,
    purl: release ? packageUrl("apk", release.id, name, version, { arch: field("A"), upstream: origin !== name ? origin : undefined, distro: distroQualifier(release) }) : undefined,
    licenses: apkLicenses(field("L")),
    ...(maintainer ? { originator: maintainer, supplier: maintainer } : {}),
    ...(field("T") ? { description: field("T") as string } : {}),
    ...(field("U") ? { homepage: field("U") as string } : {}),
    locations: [INSTALLED],
    foundBy: "acquired package info from APK DB",
    files: [...files.values()],
  };
}

/** Alpine's L: an SPDX expression, or (older packages) licences separated by spaces, as Syft splits it. */
function apkLicenses(value: string | undefined): string[] {
  if (!value) return [];
  const whole = licenseExpressionOf(value);
  return whole.extracted === undefined ? [value] : value.split(/\s+/).filter(Boolean);
}
