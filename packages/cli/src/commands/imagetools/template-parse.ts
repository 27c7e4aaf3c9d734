import { UsageError } from "../../errors.js";

/** What exp's `--format` understands of Go's text/template, for the error that refuses the rest. */
export const supportedTemplate =
  'text around actions, and actions made of a field path (., .Name, .Manifest.Digest, .Image.Config.Env), json X ({{json .Provenance}}), index X "key" or index X 0, parentheses ((index .Image "linux/amd64").Config), X | json, {{- and -}} trimming and {{/* comments */}}';

/** A `--format` template exp cannot run (Go syntax it does not implement, or a malformed one). */
export class TemplateSyntaxError extends UsageError {
  constructor(template: string, problem: string) {
    super(`--format ${JSON.stringify(template)}: ${problem}; supported: ${supportedTemplate}`, "ERR_IMAGETOOLS_INVALID_FORMAT");
  }
}

export type Expr =
  /** `.A.B` on the template's input (`.` itself when `fields` is empty), or on `of` when set. */
  | { readonly kind: "field"; readonly of?: Expr; readonly fields: readonly string[] }
  | { readonly kind: "call"; readonly fn: "json" | "index"; readonly args: readonly Expr[] }
  | { readonly kind: "literal"; readonly value: string | number };

export type TemplateNode = { readonly kind: "text"; readonly text: string } | { readonly kind: "action"; readonly expr: Expr; readonly source: string };

/**
 * Parses the subset of text/template that `imagetools inspect --format` needs. Anything else
 * (if, range, with, variables, other functions, method arguments) is refused here, before any
 * request, rather than run differently from Go.
 */
export function parseTemplate(template: string): TemplateNode[] {
  const nodes: TemplateNode[] = [];
  let rest = template;
  let trimNext = false;
  while (rest.length > 0) {
    const open = rest.indexOf("{{");
    let text = open === -1 ? rest : rest.slice(0, open);
    if (trimNext) text = text.replace(/^\s+/, "");
    trimNext = false;
    if (open === -1) {
      if (text) nodes.push({ kind: "text", text });
      break;
    }
    const close = rest.indexOf("}}", open + 2);
    if (close === -1) throw new TemplateSyntaxError(template, "unclosed action ({{ without }})");
    let inner = rest.slice(open + 2, close);
    // Go's trim markers: "{{- " and " -}}", the dash set off by white space.
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, "");
      inner = inner.slice(1);
    }
    if (/\s-$/.test(inner)) {
      trimNext = true;
      inner = inner.slice(0, -1);
    }
    if (text) nodes.push({ kind: "text", text });
    const source = `{{${rest.slice(open + 2, close)}}}`;
    const trimmed = inner.trim();
    rest = rest.slice(close + 2);
    if (trimmed.startsWith("/*") && trimmed.endsWith("*/")) continue;
    nodes.push({ kind: "action", expr: parseAction(template, source, trimmed), source });
  }
  return nodes;
}

type Token = { kind: "(" | ")" | "|" } | { kind: "field"; fields: string[] } | { kind: "ident"; name: string } | { kind: "literal"; value: string | number };

function parseAction(template: string, source: string, text: string): Expr {
  const fail = (problem: string): never => {
    throw new TemplateSyntaxError(template, `${source}: ${problem}`);
  };
  if (text === "") fail("empty action");
  const tokens = tokenize(text, fail);
  let at = 0;
  const peek = () => tokens[at];

  const term = (): Expr => {
    const token = tokens[at++];
    if (!token) return fail("expected a value");
    if (token.kind === "(") {
      const inner = pipeline();
      if (tokens[at++]?.kind !== ")") fail("unclosed (");
      const next = peek();
      if (next?.kind === "field" && next.fields.length > 0) {
        at++;
        return { kind: "field", of: inner, fields: next.fields };
      }
      return inner;
    }
    if (token.kind === "field") return { kind: "field", fields: token.fields };
    if (token.kind === "literal") return { kind: "literal", value: token.value };
    if (token.kind === "ident") return fail(`${token.name} needs arguments here; write it first in the action or in parentheses`);
    return fail(`unexpected ${token.kind}`);
  };

  const command = (): Expr => {
    const first = peek();
    if (first?.kind !== "ident") return term();
    at++;
    if (first.name !== "json" && first.name !== "index") return fail(`function ${JSON.stringify(first.name)} is not supported (only json and index)`);
    const args: Expr[] = [];
    while (peek() && peek()!.kind !== ")" && peek()!.kind !== "|") args.push(term());
    return { kind: "call", fn: first.name, args };
  };

  const pipeline = (): Expr => {
    let expr = command();
    while (peek()?.kind === "|") {
      at++;
      const next = command();
      if (next.kind !== "call") return fail("only a function can follow |");
      expr = { kind: "call", fn: next.fn, args: [...next.args, expr] };
    }
    return expr;
  };

  const expr = pipeline();
  if (at < tokens.length) fail("unexpected text after the value (method arguments, variables and keywords are not supported)");
  checkArity(expr, fail);
  return expr;
}

function checkArity(expr: Expr, fail: (problem: string) => never): void {
  if (expr.kind === "field" && expr.of) checkArity(expr.of, fail);
  if (expr.kind !== "call") return;
  if (expr.fn === "json" && expr.args.length !== 1) fail(`json takes one value, got ${expr.args.length}`);
  if (expr.fn === "index" && expr.args.length < 2) fail("index takes a value and at least one key");
  for (const arg of expr.args) checkArity(arg, fail);
}

const keywords = new Set(["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil", "true", "false"]);

function tokenize(text: string, fail: (problem: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")" || c === "|") {
      tokens.push({ kind: c });
      i++;
    } else if (c === '"') {
      const match = /^"(?:[^"\\\n]|\\.)*"/.exec(text.slice(i));
      if (!match) return fail("unterminated string");
      try {
        tokens.push({ kind: "literal", value: JSON.parse(match[0]) as string });
      } catch {
        return fail(`unsupported escape in ${match[0]}`);
      }
      i += match[0].length;
    } else if (c === "`") {
      const end = text.indexOf("`", i + 1);
      if (end === -1) return fail("unterminated raw string");
      tokens.push({ kind: "literal", value: text.slice(i + 1, end) });
      i = end + 1;
    } else if (c === ".") {
      const match = /^\.((?:[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?/.exec(text.slice(i))!;
      tokens.push({ kind: "field", fields: match[1] ? match[1].split(".") : [] });
      i += match[0].length;
    } else if (/[0-9-]/.test(c)) {
      const match = /^-?[0-9]+(?![.\w])/.exec(text.slice(i));
      if (!match) return fail(`unsupported number or symbol at ${JSON.stringify(text.slice(i))}`);
      tokens.push({ kind: "literal", value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      if (keywords.has(name)) return fail(`${name} is not supported`);
      tokens.push({ kind: "ident", name });
      i += name.length;
    } else {
      return fail(c === "$" ? "variables are not supported" : `unexpected ${JSON.stringify(c)}`);
    }
  }
  return tokens;
}
