import { createRequire } from "node:module";

// The SPDX licence list exp's lookups are made from. spdx-license-ids is pinned exactly to the
// release that carries list 3.28 (its 3.0.23), so the licenseListVersion the documents state is
// the list their identifiers were checked against; bump both together.
export const LICENSE_LIST_VERSION = "3.28";

// Loaded with require: a JSON import of a dependency loses its `with { type: "json" }` in the
// ESM build (esbuild leaves it external without the attribute, and Node refuses it). tsup's shims
// give the CJS build an import.meta.url.
const require = createRequire(import.meta.url);
const current = require("spdx-license-ids/index.json") as readonly string[];
const deprecated = require("spdx-license-ids/deprecated.json") as readonly string[];
const exceptions: ReadonlySet<string> = new Set(require("spdx-exceptions/index.json") as string[]);

/** SPDX licence identifiers that may stand in an expression today. */
export const currentLicenseIds: ReadonlySet<string> = new Set(current);

/**
 * Lookup key, as Syft's spdxlicense.ID cleans one (case and dashes do not count), and unlike
 * Syft, spaces neither: Python's "License: Apache 2.0" is Apache-2.0.
 */
function clean(id: string): string {
  return id.toLowerCase().replace(/[-\s]+/g, "");
}

/**
 * The spellings of one identifier that mean it. As SPDX's matching guidelines and Syft's
 * generator have it, trailing ".0"s of a version do not count ("gpl2", "gpl2.0", "gpl2.0.0"), and
 * "-or-later" has the "+" form Debian and old SPDX lists use ("gpl2+"). Unlike Syft, a version
 * is never cut short ("lgpl2" does not also mean LGPL-2.1).
 */
function permutations(cleanId: string): string[] {
  const out = new Set<string>([cleanId]);
  const match = /\d+(?:\.\d+)*/.exec(cleanId);
  const spellings = [cleanId];
  if (match) {
    const parts = match[0].split(".");
    while (parts.length > 1 && parts[parts.length - 1] === "0") parts.pop();
    for (let count = parts.length; count <= 3; count++) {
      const version = [...parts, "0", "0", "0"].slice(0, count).join(".");
      spellings.push(cleanId.replace(match[0], version));
    }
  }
  for (const spelled of spellings) {
    out.add(spelled);
    if (spelled.endsWith("orlater")) out.add(`${spelled.slice(0, -"orlater".length)}+`);
  }
  return [...out];
}

/**
 * What a deprecated identifier became, by the rules Syft's generator applies: GPL-2.0 is
 * GPL-2.0-only, GPL-2.0+ is GPL-2.0-or-later, and a few renames.
 */
const RENAMED: Readonly<Record<string, string>> = {
  "BSD-2-Clause-NetBSD": "BSD-2-Clause",
  "BSD-2-Clause-FreeBSD": "BSD-2-Clause-Views",
  "bzip2-1.0.5": "bzip2-1.0.6",
  "StandardML-NJ": "SMLNJ",
};

function replacementOf(id: string): string {
  return RENAMED[id] ?? (currentLicenseIds.has(`${id}-only`) ? `${id}-only` : id);
}

const byKey = (() => {
  const map = new Map<string, string>();
  for (const id of current) for (const key of permutations(clean(id))) if (!map.has(key)) map.set(key, id);
  for (const id of deprecated) {
    const to = replacementOf(id);
    for (const key of permutations(clean(id))) if (!map.has(key)) map.set(key, to);
  }
  return map;
})();

/** The SPDX identifier a licence name means ("GPL-2+" → GPL-2.0-or-later, "BSD-3-clause" → BSD-3-Clause), if any. */
export function licenseIdOf(name: string): string | undefined {
  return byKey.get(clean(name));
}

/** True for an exception on the SPDX list ("Classpath-exception-2.0"). */
export function isLicenseException(id: string): boolean {
  return exceptions.has(id);
}
