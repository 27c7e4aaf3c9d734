import { PackageURL } from "packageurl-js";

/**
 * A package URL in the purl specification's canonical form, made by the package-url project's
 * own library: components percent-encoded as the spec says ("%40scope" for npm scopes), and
 * qualifiers sorted by key, which is where exp differs from Syft, whose forked Go library keeps
 * them in the order it adds them (`arch=…&upstream=…&distro=…`), and encodes "+" in names
 * ("libstdc%2B%2B6"). Consumers compare parsed purls, and the canonical form is what the spec asks
 * a producer to write. npm names are lower-cased, as the npm purl type says.
 */
export function packageUrl(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers: Readonly<Record<string, string | undefined>> = {}): string | undefined {
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(qualifiers)) if (value !== undefined && value !== "") present[key] = value;
  try {
    return new PackageURL(type, namespace ?? undefined, name, version === "" ? undefined : version, Object.keys(present).length > 0 ? present : undefined, undefined).toString();
  } catch {
    // A name the purl type does not allow (packageurl-js validates npm names, for one): the
    // package is still reported, without a purl, rather than failing the scan.
    return undefined;
  }
}
