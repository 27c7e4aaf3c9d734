import type { Word } from "../../ast.js";
import type { SourceLocation } from "../../source-location.js";
import type { ParseContext } from "../context.js";
import { parseFlags, type FlagSpec, type ParsedFlags } from "../flags.js";
import type { RawInstruction } from "../read-instructions.js";
import { splitOnWhitespace } from "../words.js";

/** The fields every instruction node shares. */
export function base(raw: RawInstruction): { keyword: string; location: SourceLocation; endLine: number; source: string; checkComment?: string } {
  return { keyword: raw.keyword, location: raw.location, endLine: raw.endLine, source: raw.line.text, ...(raw.checkComment === undefined ? {} : { checkComment: raw.checkComment }) };
}

/** The upper-cased instruction name, for messages. */
export function label(raw: RawInstruction): string {
  return raw.keyword.toUpperCase();
}

/** Where the character at `index` of the arguments came from. */
export function argsLocation(raw: RawInstruction, index = 0): SourceLocation {
  return raw.line.locationAt(raw.argsStart + index);
}

/** Where the arguments start, or the instruction itself when there are none. */
export function argsOrInstructionLocation(raw: RawInstruction): SourceLocation {
  return raw.args === "" ? raw.location : argsLocation(raw);
}

export function whitespaceWords(raw: RawInstruction): Word[] {
  return splitOnWhitespace(raw.args, raw.argsStart).map((span) => ({ value: span.value, location: raw.line.locationAt(span.start) }));
}

export function flagsOf(raw: RawInstruction, spec: FlagSpec, ctx: ParseContext): ParsedFlags {
  return parseFlags(raw.flags, spec, label(raw), ctx);
}

/** For instructions that take no flags: rejects any, naming it. */
export function noFlags(raw: RawInstruction, ctx: ParseContext): void {
  parseFlags(raw.flags, {}, label(raw), ctx);
}

/** Instructions whose whole argument text is one value (WORKDIR, USER, STOPSIGNAL, MAINTAINER). */
export function singleValue(raw: RawInstruction, ctx: ParseContext, usage: string): Word {
  noFlags(raw, ctx);
  if (raw.args === "") ctx.fail(raw.location, `${label(raw)} requires exactly one argument: ${usage}`);
  return { value: raw.args, location: argsLocation(raw) };
}
