import type { ArgDeclaration, ArgInstruction } from "../../ast.js";
import type { ParseContext } from "../context.js";
import type { RawInstruction } from "../read-instructions.js";
import { parseWords } from "../words.js";
import { base, noFlags } from "./common.js";

/** `ARG name[=default] ...`; defaults keep their quotes until the planner expands them. */
export function buildArg(raw: RawInstruction, ctx: ParseContext): ArgInstruction {
  noFlags(raw, ctx);
  const words = parseWords(raw.args, raw.argsStart, ctx.escape);
  if (words.length === 0) ctx.fail(raw.location, "ARG requires at least one argument: ARG <name>[=<default value>]");
  const args = words.map((word): ArgDeclaration => {
    const location = raw.line.locationAt(word.start);
    const eq = word.value.indexOf("=");
    if (eq < 0) return { name: word.value, location };
    if (eq === 0) ctx.fail(location, `ARG ${word.value} has no name before "=": ARG <name>[=<default value>]`);
    return { name: word.value.slice(0, eq), value: word.value.slice(eq + 1), location };
  });
  return { kind: "arg", ...base(raw), args };
}
