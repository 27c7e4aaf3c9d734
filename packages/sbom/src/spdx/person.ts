/**
 * An SPDX supplier/originator from a maintainer or author string, as Syft's helpers write it:
 * "Name <mail@host>" becomes "Person: Name (mail@host)"; undefined when nothing is left.
 */
export function spdxPerson(value: string | undefined, type: "Person" | "Organization" = "Person"): string | undefined {
  if (value === undefined) return undefined;
  const { name, email } = parseNameEmail(value.trim());
  const text = name && email ? `${name} (${email})` : name || email;
  return text ? `${type}: ${text}` : undefined;
}

/** "Name <mail> (url)", each part optional; a lone address in place of the name or URL is the mail. */
export function parseNameEmail(value: string): { name: string; email: string } {
  const match = /^([^<>()]*)(?: <([^@>]+@[^>]+)>)?(?: \((.*)\))?$/.exec(value);
  if (!match) return { name: value, email: "" };
  // An RFC 5322 quoted display name ('"Ahmed R. TAHRI" <…>', as Python's Author-email has it) loses its quotes.
  let name = (match[1] ?? "").trim().replace(/^"(.*)"$/, "$1");
  let email = (match[2] ?? "").trim();
  const url = (match[3] ?? "").trim();
  if (!email) {
    if (looksLikeEmail(url)) email = url;
    else if (looksLikeEmail(name)) {
      email = name;
      name = "";
    }
  }
  return { name, email };
}

function looksLikeEmail(value: string): boolean {
  const at = value.indexOf("@");
  return at !== -1 && value.indexOf(".", at) !== -1;
}
