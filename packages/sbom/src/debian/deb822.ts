/** One paragraph of a Debian control file: fields by name (case kept as first written), and where it starts. */
export interface Deb822Paragraph {
  fields: Map<string, string>;
  /** 1-based line of its first field, for warnings. */
  line: number;
  /** Set when a line was neither "Field: value" nor a continuation: the paragraph is not to be trusted. */
  error?: string;
}

/**
 * Splits a deb822 file (dpkg's status, status.d entries, DEP-5 copyright files) into
 * paragraphs. Continuation lines (starting with a space or tab) join the field above with "\n",
 * their first blank trimmed, so multi-line fields such as Conffiles and Description keep their
 * lines. A broken line marks its paragraph (see `error`) and parsing goes on with the next one.
 */
export function parseDeb822(text: string): Deb822Paragraph[] {
  const paragraphs: Deb822Paragraph[] = [];
  let current: Deb822Paragraph | undefined;
  let field: string | undefined;
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).replace(/\r$/, "");
    if (line.trim() === "") {
      current = undefined;
      field = undefined;
      continue;
    }
    if (!current) {
      current = { fields: new Map(), line: index + 1 };
      paragraphs.push(current);
    }
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (field === undefined) {
        current.error ??= `line ${index + 1}: a continuation line with no field above it`;
        continue;
      }
      current.fields.set(field, `${current.fields.get(field) ?? ""}\n${line.slice(1)}`);
      continue;
    }
    if (line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) {
      current.error ??= `line ${index + 1}: not a "Field: value" line`;
      field = undefined;
      continue;
    }
    field = line.slice(0, colon).trim();
    if (current.fields.has(field)) current.error ??= `line ${index + 1}: field ${field} given twice`;
    current.fields.set(field, line.slice(colon + 1).trim());
  }
  return paragraphs;
}

/** A field by name, case-insensitively (deb822 field names are case-insensitive). */
export function fieldOf(paragraph: Deb822Paragraph, name: string): string | undefined {
  const exact = paragraph.fields.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const [key, value] of paragraph.fields) if (key.toLowerCase() === lower) return value;
  return undefined;
}
