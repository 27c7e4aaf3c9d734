import { ExpError } from "@exp/errors";
import { maskSecretAttrs } from "../util/redact.js";

/** A malformed `--output` / `--cache-to` / `--cache-from` value: a usage error (exit code 2). */
export class SpecError extends ExpError {
  constructor(message: string, code = "ERR_INVALID_SPEC") {
    super(code, message);
  }
}

/**
 * Splits one CSV record the way buildx does (Go's encoding/csv rules, through csvvalue): fields
 * are separated by commas; a field that starts with `"` is quoted, runs to the next lone `"` and
 * may hold commas, with `""` standing for one `"`; a `"` anywhere else in a field is an error.
 * `type=image,"name=a:1,a:2"` is two fields: `type=image` and `name=a:1,a:2`.
 */
export function splitCsvFields(input: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = "";
    if (input[i] === '"') {
      i++;
      for (;;) {
        if (i >= input.length) throw new SpecError(`${shown(input)}: unterminated quoted field`);
        const c = input[i]!;
        if (c === '"') {
          if (input[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += c;
        i++;
      }
      if (i < input.length && input[i] !== ",") throw new SpecError(`${shown(input)}: extraneous character ${JSON.stringify(input[i])} after a quoted field`);
    } else {
      while (i < input.length && input[i] !== ",") {
        if (input[i] === '"') throw new SpecError(`${shown(input)}: bare " in a non-quoted field (quote the whole field: "key=value")`);
        field += input[i];
        i++;
      }
    }
    fields.push(field);
    if (i >= input.length) return fields;
    i++; // the comma
  }
}

/**
 * Parses a buildx CSV spec (`type=image,name=a,push=true`) into its key/value pairs. Keys are
 * trimmed and lower-cased; a value keeps everything after the first `=` (so `=` may appear in
 * values). A field without `=` is an error, as in buildx. A repeated key keeps the last value.
 */
export function parseCsvSpec(spec: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const field of splitCsvFields(spec)) {
    const eq = field.indexOf("=");
    if (eq < 0) throw new SpecError(`${shown(spec)}: invalid field ${JSON.stringify(field)} (expected key=value)`);
    const key = field.slice(0, eq).trim().toLowerCase();
    if (key === "") throw new SpecError(`${shown(spec)}: empty key in ${JSON.stringify(field)}`);
    // defineProperty: a key such as `__proto__` is stored as data, never as the prototype.
    Object.defineProperty(attrs, key, { value: field.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return attrs;
}

/** The spec as error messages quote it: with the values of secret-looking attributes masked. */
export function shown(spec: string): string {
  return JSON.stringify(maskSecretAttrs(spec));
}
