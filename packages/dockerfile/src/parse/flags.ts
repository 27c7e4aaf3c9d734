import { didYouMean } from "@exp/errors";
import type { Word } from "../ast.js";
import type { SourceLocation } from "../source-location.js";
import type { ParseContext } from "./context.js";
import type { RawFlag } from "./read-instructions.js";

/** `string`: `--x=v` once; `bool`: `--x`, `--x=true|false`; `strings`: `--x=v`, repeatable. */
export type FlagKind = "string" | "bool" | "strings";

export type FlagSpec = Readonly<Record<string, FlagKind>>;

/** The flags of one instruction, checked against what it accepts. */
export class ParsedFlags {
  private readonly strings = new Map<string, Word[]>();
  private readonly bools = new Map<string, boolean>();

  string(name: string): Word | undefined {
    return this.strings.get(name)?.[0];
  }

  list(name: string): Word[] {
    return this.strings.get(name) ?? [];
  }

  /** Undefined when the flag was not given. */
  bool(name: string): boolean | undefined {
    return this.bools.get(name);
  }

  /** @internal */
  addString(name: string, word: Word): void {
    this.strings.set(name, [...(this.strings.get(name) ?? []), word]);
  }

  /** @internal */
  addBool(name: string, value: boolean): void {
    this.bools.set(name, value);
  }
}

/** BuildKit's BFlags.Parse, with messages that name the flag and list the valid ones. */
export function parseFlags(flags: RawFlag[], spec: FlagSpec, instruction: string, ctx: ParseContext): ParsedFlags {
  const parsed = new ParsedFlags();
  const seen = new Set<string>();
  for (const flag of flags) {
    if (flag.text === "--") break;
    const body = flag.text.slice(2);
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const value = eq >= 0 ? body.slice(eq + 1) : undefined;
    const kind = spec[name];
    if (!kind) ctx.fail(flag.location, unknownFlagMessage(name, spec, instruction));
    if (seen.has(name) && kind !== "strings") ctx.fail(flag.location, `flag --${name} is given more than once to ${instruction}`);
    seen.add(name);
    if (kind === "bool") parsed.addBool(name, boolValue(name, value, flag.location, ctx));
    else parsed.addString(name, { value: requireValue(name, value, flag.location, ctx), location: flag.location });
  }
  return parsed;
}

function unknownFlagMessage(name: string, spec: FlagSpec, instruction: string): string {
  const valid = Object.keys(spec).sort();
  if (valid.length === 0) return `unknown flag --${name}: ${instruction} takes no flags`;
  const suggestion = didYouMean(name, valid);
  return (
    `unknown flag --${name} for ${instruction}` +
    (suggestion ? ` (did you mean --${suggestion}?)` : "") +
    `; ${instruction} accepts ${valid.map((v) => `--${v}`).join(", ")}`
  );
}

function boolValue(name: string, value: string | undefined, location: SourceLocation, ctx: ParseContext): boolean {
  if (value === undefined) return true;
  const lower = value.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (value === "") ctx.fail(location, `flag --${name} has "=" but no value; write --${name}, --${name}=true or --${name}=false`);
  return ctx.fail(location, `flag --${name} expects true or false, not ${JSON.stringify(value)}`);
}

function requireValue(name: string, value: string | undefined, location: SourceLocation, ctx: ParseContext): string {
  if (value === undefined) return ctx.fail(location, `flag --${name} needs a value: --${name}=<value>`);
  return value;
}
