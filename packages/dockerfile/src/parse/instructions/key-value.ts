import type { EnvInstruction, KeyValue, LabelInstruction } from "../../ast.js";
import type { ParseContext } from "../context.js";
import type { RawInstruction } from "../read-instructions.js";
import { parseWords } from "../words.js";
import { argsLocation, base, label, noFlags } from "./common.js";

export function buildEnv(raw: RawInstruction, ctx: ParseContext): EnvInstruction {
  return { kind: "env", ...base(raw), ...keyValues(raw, ctx) };
}

export function buildLabel(raw: RawInstruction, ctx: ParseContext): LabelInstruction {
  return { kind: "label", ...base(raw), ...keyValues(raw, ctx) };
}

/**
 * BuildKit's parseNameVal: `KEY=value ...`, or the legacy `KEY value` when the first word has no
 * `=` (then the value is the rest of the line, spaces and all). Values keep quotes for expansion.
 */
function keyValues(raw: RawInstruction, ctx: ParseContext): { pairs: KeyValue[]; legacy: boolean } {
  noFlags(raw, ctx);
  const name = label(raw);
  const words = parseWords(raw.args, raw.argsStart, ctx.escape);
  const first = words[0];
  if (!first) ctx.fail(raw.location, `${name} requires at least one argument: ${name} <key>=<value> ...`);
  if (!first.value.includes("=")) {
    const match = /^([^\t\v\f\r ]+)[\t\v\f\r ]+/.exec(raw.args);
    if (!match) {
      ctx.fail(argsLocation(raw), `${name} ${raw.args} has no value; write ${name} ${raw.args}=<value>`);
    }
    const key = match[1]!;
    const value = raw.args.slice(match[0].length);
    const suggested = /\s/u.test(value) && !/^["'].*["']$/su.test(value) ? `"${value}"` : value;
    ctx.warn(raw.location, `"${name} ${key} ${value}" uses the legacy "${name} key value" form; write ${name} ${key}=${suggested}`, "LegacyKeyValueFormat");
    return { pairs: [{ key, value, location: argsLocation(raw) }], legacy: true };
  }
  const pairs = words.map((word): KeyValue => {
    const location = raw.line.locationAt(word.start);
    const eq = word.value.indexOf("=");
    if (eq < 0) ctx.fail(location, `${name}: cannot find "=" in ${JSON.stringify(word.value)}; every word must be <key>=<value>`);
    if (eq === 0) ctx.fail(location, `${name}: ${JSON.stringify(word.value)} has no name before "="`);
    return { key: word.value.slice(0, eq), value: word.value.slice(eq + 1), location };
  });
  return { pairs, legacy: false };
}
