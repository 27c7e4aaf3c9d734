/**
 * The header block of a Python core metadata file (METADATA, PKG-INFO): RFC 822 style
 * "Name: value" lines, continuation lines starting with whitespace, repeated fields (Classifier,
 * Requires-Dist) kept in order; the body after the first blank line (the long description) is
 * not read. Field names are matched case-insensitively, as the specification says.
 */
export function parseCoreMetadata(text: string): Map<string, string[]> | string {
  const fields = new Map<string, string[]>();
  let last: string[] | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (line === "") break;
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (!last || last.length === 0) return "a continuation line before any field";
      last[last.length - 1] = `${last[last.length - 1] as string}\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) return `not a "Name: value" line: ${JSON.stringify(line.slice(0, 80))}`;
    const key = line.slice(0, colon).trim().toLowerCase();
    last = fields.get(key) ?? [];
    fields.set(key, last);
    last.push(line.slice(colon + 1).trim());
  }
  return fields;
}

/** PEP 503 name normalisation, as Syft applies it to package names and purls. */
export function normalizePythonName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/**
 * A wheel RECORD file: CSV rows of path, "sha256=<urlsafe base64>", size (PEP 376/627); paths are
 * relative to the site-packages folder and may climb out of it ("../../../bin/tool"). Quoted
 * fields (paths with commas) are unquoted.
 */
export function parseRecord(text: string): { path: string; sha256?: string }[] {
  const out: { path: string; sha256?: string }[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const [path, hash] = splitCsvLine(line.replace(/\r$/, ""));
    if (!path) continue;
    const match = /^sha256=([A-Za-z0-9_-]+)=*$/.exec(hash ?? "");
    const bytes = match ? Buffer.from(match[1] as string, "base64url") : undefined;
    out.push(bytes && bytes.byteLength === 32 ? { path, sha256: bytes.toString("hex") } : { path });
  }
  return out;
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index] as string;
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      cells.push(cell);
      cell = "";
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}
