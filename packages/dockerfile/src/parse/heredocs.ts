import { LexError } from "../expand/lex-error.js";
import { lexWord } from "../expand/shell-lexer.js";
import type { SourceLocation } from "../source-location.js";
import type { ParseContext } from "./context.js";
import { parseHeredocMarker } from "./heredoc-marker.js";
import { detectJsonForm } from "./json-form.js";
import type { PhysicalLine } from "./physical-lines.js";
import type { RawInstruction } from "./read-instructions.js";
import { splitCommand, type SplitCommand } from "./split-command.js";

const heredocInstructions = new Set(["copy", "add", "run"]);

/** A heredoc marker found on an instruction line, with where it is. */
export interface LocatedMarker {
  name: string;
  expand: boolean;
  chomp: boolean;
  location: SourceLocation;
}

/** Heredoc markers of COPY/ADD/RUN in shell form, directly or as an ONBUILD trigger. */
export function heredocMarkers(raw: RawInstruction, split: SplitCommand, ctx: ParseContext): LocatedMarker[] {
  let args = split.args;
  let argsStart = split.argsStart;
  let name = raw.name;
  if (name === "onbuild") {
    const sub = splitCommand(split.args);
    if (!sub) return [];
    name = sub.keyword.toLowerCase();
    args = sub.args;
    argsStart += sub.argsStart;
  }
  if (!heredocInstructions.has(name) || detectJsonForm(args).json) return [];
  const markers: LocatedMarker[] = [];
  let searchFrom = 0;
  for (const word of shellWords(args)) {
    // A marker word may hold spaces (`<<  EOF`): find it in the text by what comes before them.
    const probe = word.split(/[ \t]/, 1)[0]!;
    const at = args.indexOf(probe, searchFrom);
    const location = raw.line.locationAt(argsStart + Math.max(at, 0));
    if (at >= 0) searchFrom = at + probe.length;
    let marker;
    try {
      marker = parseHeredocMarker(word);
    } catch (error) {
      if (!(error instanceof LexError)) throw error;
      ctx.fail(location, `invalid heredoc delimiter ${word}: ${error.message}`);
    }
    if (marker) markers.push({ ...marker, location });
  }
  return markers;
}

/**
 * The words of the line as BuildKit's heredoc detection sees them: quotes and escapes kept, so
 * `"<<EOF"` in a quoted string is not a marker. Text that does not lex has no markers.
 */
function shellWords(args: string): string[] {
  try {
    return lexWord(args, () => undefined, { escape: "\\", rawQuotes: true, rawEscapes: true, skipUnsetEnv: true, heredocMarkers: true }).words;
  } catch (error) {
    if (error instanceof LexError) return [];
    throw error;
  }
}

/** The body of one heredoc: the lines up to its terminator (tabs ignored before it with `<<-`). */
export function readHeredocBody(
  lines: PhysicalLine[],
  from: number,
  terminator: string,
  chomp: boolean,
): { content: string; nextIndex: number; endLine: number } | undefined {
  let content = "";
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!;
    const candidate = chomp ? line.text.replace(/^\t+/, "") : line.text;
    if (candidate === terminator) return { content, nextIndex: i + 1, endLine: line.number };
    content += line.raw;
  }
  return undefined;
}
