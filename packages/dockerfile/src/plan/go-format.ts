import type { Healthcheck } from "../ast.js";
import { formatGoDuration } from "@exp/solver";

/**
 * BuildKit writes history `created_by` with Go's fmt verbs; these reproduce them so exp's history
 * reads exactly like BuildKit's (`CMD ["node" "server.js"]`, `SHELL [/bin/bash -c]`).
 */

/** Go's strconv.Quote: `"` and `\` escaped, control and non-printable characters as escapes. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch in controlEscapes) out += controlEscapes[ch];
    else if (isPrintable(ch)) out += ch;
    else if (code < 0x80) out += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) out += `\\u${hex(code, 4)}`;
    else out += `\\U${hex(code, 8)}`;
  }
  return `${out}"`;
}

const controlEscapes: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };

function isPrintable(ch: string): boolean {
  return ch === " " || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}

/** `%q` of a []string: `["a" "b"]`. */
export function goQuotedList(values: readonly string[]): string {
  return `[${values.map(goQuote).join(" ")}]`;
}

/** `%v` of a []string: `[a b]`. */
export function goList(values: readonly string[]): string {
  return `[${values.join(" ")}]`;
}

/** `%+v` of Docker's HealthcheckConfig, as BuildKit prints it after `HEALTHCHECK `. */
export function goHealthcheck(h: Healthcheck): string {
  const d = (nanos: number | undefined): string => formatGoDuration(BigInt(nanos ?? 0));
  return (
    `{Test:${goList(h.Test)} Interval:${d(h.Interval)} Timeout:${d(h.Timeout)} ` +
    `StartPeriod:${d(h.StartPeriod)} StartInterval:${d(h.StartInterval)} Retries:${h.Retries ?? 0}}`
  );
}
