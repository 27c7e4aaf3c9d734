import type { Heredoc, ParserDirectives } from "../ast.js";
import type { SourceLocation } from "../source-location.js";
import type { ParseContext } from "./context.js";
import { checkFromComments } from "../lint/comment-checks.js";
import { DirectiveScanner } from "./directives.js";
import { heredocMarkers, readHeredocBody } from "./heredocs.js";
import { LogicalLine } from "./logical-line.js";
import { splitPhysicalLines } from "./physical-lines.js";
import { splitCommand } from "./split-command.js";

export interface RawFlag {
  /** `--name=value` with quotes removed. */
  text: string;
  location: SourceLocation;
}

/** A heredoc with its body as read, before `<<-` tab stripping (ONBUILD stores it that way). */
export interface RawHeredoc extends Heredoc {
  rawContent: string;
}

/** One instruction, split but not yet interpreted. */
export interface RawInstruction {
  keyword: string;
  /** Lower-cased keyword. */
  name: string;
  location: SourceLocation;
  endLine: number;
  line: LogicalLine;
  flags: RawFlag[];
  args: string;
  argsStart: number;
  heredocs: RawHeredoc[];
  /** The `check=` of the comments just above it (BuildKit's PrevComment), for its lint findings. */
  checkComment?: string;
}

/**
 * Reads the file the way BuildKit's parser does: directives at the top, comment lines dropped
 * (also inside continuations), continuation lines joined, blank continuation lines skipped with
 * a warning, and heredoc bodies taken after COPY, ADD and RUN (also under ONBUILD).
 */
export function readInstructions(
  text: string,
  ctx: ParseContext,
): { directives: ParserDirectives; directiveLocations: DirectiveScanner["locations"]; instructions: RawInstruction[] } {
  const lines = splitPhysicalLines(text);
  const scanner = new DirectiveScanner(ctx);
  const instructions: RawInstruction[] = [];
  // Comment lines since the last instruction, as BuildKit's parser gathers them (parser.go Parse):
  // the text after the line's first character, trimmed; an empty comment starts over; blank lines
  // keep them; directives are not comments.
  let comments: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i++]!;
    const trimmed = trimLeadingSpace(first.text);
    const indent = first.text.length - trimmed.length;
    const directive = scanner.scan(trimmed, { line: first.number, column: indent + 1 });
    if (trimmed.startsWith("#") && !directive) {
      const comment = first.text.slice(1).trim();
      comments = comment === "" ? [] : [...comments, comment];
    }
    if (trimmed === "" || trimmed.startsWith("#")) continue;

    const logical = new LogicalLine();
    let segment = trimContinuation(trimmed, ctx.escape);
    logical.append(segment.text, first.number, indent + 1);
    let endLine = first.number;
    let emptyContinuation: number | undefined;
    while (segment.continues && i < lines.length) {
      const next = lines[i++]!;
      endLine = next.number;
      const nextTrimmed = trimLeadingSpace(next.text);
      if (nextTrimmed.startsWith("#")) continue;
      if (nextTrimmed === "") {
        emptyContinuation ??= next.number;
        continue;
      }
      segment = trimContinuation(next.text, ctx.escape);
      logical.append(segment.text, next.number, 1);
    }

    const split = splitCommand(logical.text);
    if (!split) continue;
    const location = logical.locationAt(split.keywordStart);
    if (emptyContinuation !== undefined) {
      ctx.warn(
        { line: emptyContinuation, column: 1 },
        "empty continuation line: a blank line inside a continued instruction is skipped today but will be an error in a future Docker release",
        "NoEmptyContinuation",
      );
    }
    const raw: RawInstruction = {
      keyword: split.keyword,
      name: split.keyword.toLowerCase(),
      location,
      endLine,
      line: logical,
      flags: split.flags.map((f) => ({ text: f.text, location: logical.locationAt(f.start) })),
      args: split.args,
      argsStart: split.argsStart,
      heredocs: [],
    };
    const checkComment = checkFromComments(comments);
    if (checkComment !== undefined) raw.checkComment = checkComment;
    comments = [];
    for (const marker of heredocMarkers(raw, split, ctx)) {
      const body = readHeredocBody(lines, i, marker.name, marker.chomp);
      if (!body) {
        ctx.fail(marker.location, `unterminated heredoc: no line "${marker.name}" closes the document that starts here (<<${marker.chomp ? "-" : ""}${marker.name})`);
      }
      i = body.nextIndex;
      raw.endLine = body.endLine;
      raw.heredocs.push({
        name: marker.name,
        content: marker.chomp ? body.content.replace(/^\t+/gm, "") : body.content,
        rawContent: body.content,
        expand: marker.expand,
        chomp: marker.chomp,
        location: marker.location,
      });
    }
    instructions.push(raw);
  }
  return { directives: scanner.directives, directiveLocations: scanner.locations, instructions };
}

function trimLeadingSpace(text: string): string {
  return text.replace(/^\s+/u, "");
}

/**
 * A line continues when its last non-blank character is the escape character, unless that one
 * is itself escaped (`foo \\`).
 */
function trimContinuation(text: string, escape: string): { text: string; continues: boolean } {
  const body = text.replace(/[ \t]+$/, "");
  if (!body.endsWith(escape)) return { text, continues: false };
  if (body.length > 1 && body[body.length - 2] === escape) return { text, continues: false };
  return { text: body.slice(0, -1), continues: true };
}
