/** The fields of an installed package.json that an SBOM needs. */
export interface NpmManifest {
  name: string;
  version: string;
  licenses: string[];
  author?: string;
  description?: string;
  homepage?: string;
}

/**
 * Reads a package.json. Returns a reason instead when it cannot describe a package: not JSON,
 * not an object, or without a string name and version (a package.json in a package's
 * subdirectory that only says {"type": "module"} is not a package).
 */
export function parsePackageJson(text: string): NpmManifest | string {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "not a JSON object";
  const manifest = json as Record<string, unknown>;
  const { name, version } = manifest;
  if (typeof name !== "string" || name === "") return "no name";
  if (typeof version !== "string" || version === "") return "no version";
  const author = personOf(manifest.author);
  return {
    name,
    version,
    licenses: licensesOf(manifest.license, manifest.licenses),
    ...(author ? { author } : {}),
    ...(typeof manifest.description === "string" && manifest.description !== "" ? { description: manifest.description } : {}),
    ...(typeof manifest.homepage === "string" && manifest.homepage !== "" ? { homepage: manifest.homepage } : {}),
  };
}

/**
 * `license` as npm documents it (an SPDX expression), or the deprecated object form
 * ({"type": "MIT", "url": …}) and `licenses` array that old packages still carry.
 */
export function licensesOf(license: unknown, licenses: unknown): string[] {
  const out: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === "string" && value.trim() !== "") out.push(value.trim());
    else if (typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string") add((value as { type: string }).type);
  };
  add(license);
  if (Array.isArray(licenses)) licenses.forEach(add);
  return out;
}

/** `author` as "Name <mail> (url)" or {name, email, url}, in the string form. */
function personOf(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (typeof value !== "object" || value === null) return undefined;
  const { name, email } = value as { name?: unknown; email?: unknown };
  const parts = [typeof name === "string" ? name : "", typeof email === "string" && email !== "" ? `<${email}>` : ""].filter(Boolean);
  return parts.length > 0 ? parts.join(" ") : undefined;
}

/** pkg:npm purl parts of a package name: "@babel/core" is namespace "@babel", name "core". */
export function splitNpmName(name: string): { namespace: string | undefined; name: string } {
  const slash = name.indexOf("/");
  return name.startsWith("@") && slash > 0 ? { namespace: name.slice(0, slash), name: name.slice(slash + 1) } : { namespace: undefined, name };
}
