import type { SourceLocation } from "../source-location.js";

/** The frontend a Dockerfile asks for: the whole value, its first word (the image), and where. */
export interface SyntaxDirective {
  value: string;
  ref: string;
  location: SourceLocation;
}

const directivePattern = /^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const directiveNames = new Set(["syntax", "escape", "check"]);

/**
 * BuildKit's parser.DetectSyntax, which decides whether the builder forwards the build to
 * another frontend before the Dockerfile is parsed (frontend/dockerfile/parser/directives.go): a
 * BOM and a `#!` first line are skipped, then `# syntax=` among the leading directives, else
 * `// syntax=`, else a JSON document's "syntax" string. So a file exp could not parse at all
 * still names the frontend it was written for.
 */
export function detectSyntax(text: string): SyntaxDirective | undefined {
  let body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let firstLine = 1;
  const newline = body.indexOf("\n");
  const head = newline < 0 ? body : body.slice(0, newline);
  if (head.startsWith("#!")) {
    body = newline < 0 ? "" : body.slice(newline + 1);
    firstLine = 2;
  }
  for (const comment of ["#", "//"]) {
    const found = fromComments(body, comment, firstLine);
    if (found) return found;
  }
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === "object" && !Array.isArray(json)) {
      const value = (json as Record<string, unknown>)["syntax"];
      if (typeof value === "string") return { value, ref: value, location: { line: firstLine, column: 1 } };
    }
  } catch {
    // not JSON: no directive in that form
  }
  return undefined;
}

// DirectiveParser.ParseLine: the comment marker must start the line; the first line that is not
// a known directive ends the scan. A repeated directive is the parser's error, not ours.
function fromComments(body: string, comment: string, firstLine: number): SyntaxDirective | undefined {
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (!line.startsWith(comment)) return undefined;
    const match = directivePattern.exec(line.slice(comment.length).trimStart());
    const name = match?.[1]?.toLowerCase();
    if (!match || !name || !directiveNames.has(name)) return undefined;
    if (name === "syntax") return { value: match[2]!, ref: match[2]!.split(" ", 1)[0]!, location: { line: firstLine + i, column: 1 } };
  }
  return undefined;
}
