import type { Instruction } from "../ast.js";
import { ParseContext } from "./context.js";
import { buildInstruction } from "./instructions/build-instruction.js";
import { readInstructions } from "./read-instructions.js";

/**
 * Parses instructions without the stage structure: for ONBUILD triggers, which are stored as
 * text (with their heredoc bodies) and parsed again when a stage built on them runs.
 */
export function parseInstructions(text: string, fileName: string): Instruction[] {
  const ctx = new ParseContext(fileName);
  return readInstructions(text, ctx).instructions.map((raw) => buildInstruction(raw, ctx));
}
