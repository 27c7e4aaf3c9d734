import type { VolumeInstruction, Word } from "../../ast.js";
import type { ParseContext } from "../context.js";
import { parseJsonForm } from "../json-form.js";
import type { RawInstruction } from "../read-instructions.js";
import { argsOrInstructionLocation, base, noFlags, whitespaceWords } from "./common.js";

/** `VOLUME ["/a", "/b"]` or `VOLUME /a /b`. */
export function buildVolume(raw: RawInstruction, ctx: ParseContext): VolumeInstruction {
  noFlags(raw, ctx);
  const location = argsOrInstructionLocation(raw);
  const form = parseJsonForm(raw.args, "VOLUME", ctx, location);
  const paths: Word[] = form.json ? form.values.map((value) => ({ value: value.trim(), location })) : whitespaceWords(raw);
  if (paths.length === 0) ctx.fail(location, "VOLUME requires at least one argument: VOLUME <path> ...");
  const empty = paths.find((p) => p.value === "");
  if (empty) ctx.fail(empty.location, "VOLUME paths cannot be empty strings");
  return { kind: "volume", ...base(raw), paths, form: form.json ? "exec" : "shell" };
}
