/**
 * The licences a Debian copyright file names, as Syft's parse_copyright.go finds them: only in a
 * machine-readable (DEP-5) file, whose first non-blank line is its Format: URL; there, every
 * `License: <short name>` line (stand-alone paragraphs and Files: paragraphs alike) and every
 * mention of /usr/share/common-licenses/<name>. A short name that is a summary of several
 * ("GPL-2+ or Artistic") is skipped, as Syft does: the paragraphs for each licence name them too.
 * Free-form copyright files give nothing (licences then stay NOASSERTION).
 */
export function licensesFromCopyright(text: string): string[] {
  const lines = text.split("\n");
  const first = lines.find((line) => line.trim() !== "");
  if (first === undefined || !/^Format:\s*https?:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\//.test(first)) return [];
  const found = new Set<string>();
  for (const line of lines) {
    const license = /^License:\s*(\S*)/.exec(line)?.[1];
    if (license) addSingle(found, license);
    for (const match of line.matchAll(/\/usr\/share\/common-licenses\/([0-9A-Za-z_.-]+)/g)) addSingle(found, match[1] as string);
  }
  return [...found].sort();
}

function addSingle(found: Set<string>, candidate: string): void {
  const value = candidate.trim().replace(/\.$/, "");
  if (value === "" || value.toLowerCase() === "none") return;
  if (/ (or|and) /.test(value)) return;
  found.add(value);
}
