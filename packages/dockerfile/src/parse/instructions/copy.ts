import type { AddInstruction, CopyInstruction, Heredoc, Word } from "../../ast.js";
import type { ParseContext } from "../context.js";
import { LexError } from "../../expand/lex-error.js";
import { parseHeredocMarker, type HeredocMarker } from "../heredoc-marker.js";
import { parseJsonForm } from "../json-form.js";
import type { RawInstruction } from "../read-instructions.js";
import { argsOrInstructionLocation, base, flagsOf, label, whitespaceWords } from "./common.js";

export function buildCopy(raw: RawInstruction, ctx: ParseContext): CopyInstruction {
  const flags = flagsOf(raw, { from: "string", chown: "string", chmod: "string", link: "bool", parents: "bool", exclude: "strings" }, ctx);
  const node: CopyInstruction = {
    kind: "copy",
    ...base(raw),
    ...sourcesAndDest(raw, ctx),
    flags: { link: flags.bool("link") ?? false, parents: flags.bool("parents") ?? false, exclude: flags.list("exclude") },
  };
  setIfGiven(node.flags, "from", flags.string("from"));
  setIfGiven(node.flags, "chown", flags.string("chown"));
  setIfGiven(node.flags, "chmod", flags.string("chmod"));
  return node;
}

export function buildAdd(raw: RawInstruction, ctx: ParseContext): AddInstruction {
  const flags = flagsOf(raw, { chown: "string", chmod: "string", checksum: "string", link: "bool", "keep-git-dir": "bool", exclude: "strings" }, ctx);
  const node: AddInstruction = {
    kind: "add",
    ...base(raw),
    ...sourcesAndDest(raw, ctx),
    flags: { link: flags.bool("link") ?? false, exclude: flags.list("exclude") },
  };
  setIfGiven(node.flags, "chown", flags.string("chown"));
  setIfGiven(node.flags, "chmod", flags.string("chmod"));
  setIfGiven(node.flags, "checksum", flags.string("checksum"));
  const keepGitDir = flags.bool("keep-git-dir");
  if (keepGitDir !== undefined) node.flags.keepGitDir = keepGitDir;
  return node;
}

// An empty value (`--from=`) means "not given", as in BuildKit.
function setIfGiven<K extends string>(target: Partial<Record<K, Word>>, key: K, word: Word | undefined): void {
  if (word && word.value !== "") target[key] = word;
}

/**
 * BuildKit's parseSourcesAndDest: the last word is the destination, the others sources; in the
 * shell form a `<<EOF` source stands for the heredoc body read after the instruction.
 */
function sourcesAndDest(raw: RawInstruction, ctx: ParseContext): { sources: Word[]; dest: Word; heredocs: Heredoc[]; form: "exec" | "shell" } {
  const name = label(raw);
  const location = argsOrInstructionLocation(raw);
  const form = parseJsonForm(raw.args, name, ctx, location);
  const words: Word[] = form.json ? form.values.map((value) => ({ value, location })) : joinSpacedMarkers(whitespaceWords(raw));
  if (words.length < 2) {
    ctx.fail(location, `${name} requires at least two arguments, a source and a destination: ${name} [--flags] <src> ... <dest>`);
  }
  const dest = words[words.length - 1]!;
  if (!form.json && markerOf(dest, ctx)) ctx.fail(dest.location, `${name} cannot use a heredoc (${dest.value}) as its destination`);
  const sources: Word[] = [];
  const heredocs: Heredoc[] = [];
  for (const word of words.slice(0, -1)) {
    const marker = form.json ? undefined : markerOf(word, ctx);
    if (!marker) {
      sources.push(word);
      continue;
    }
    const body = raw.heredocs.find((h) => h.name === marker.name);
    if (!body) ctx.fail(word.location, `${name} ${word.value}: no heredoc body named ${marker.name} follows the instruction`);
    const { rawContent: _, ...heredoc } = body;
    heredocs.push(heredoc);
  }
  return { sources, dest, heredocs, form: form.json ? "exec" : "shell" };
}

function markerOf(word: Word, ctx: ParseContext): HeredocMarker | undefined {
  try {
    return parseHeredocMarker(word.value);
  } catch (error) {
    if (!(error instanceof LexError)) throw error;
    return ctx.fail(word.location, `invalid heredoc delimiter ${word.value}: ${error.message}`);
  }
}

/**
 * `COPY << EOF /dest`: BuildKit reads the body of a marker with spaces after `<<` but then takes
 * `<<` and `EOF` for two source paths; join them so the heredoc is the source, as meant.
 */
function joinSpacedMarkers(words: Word[]): Word[] {
  const joined: Word[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (/^\d*<<-?$/.test(word.value) && i + 1 < words.length - 1) {
      joined.push({ value: word.value + words[i + 1]!.value, location: word.location });
      i++;
    } else {
      joined.push(word);
    }
  }
  return joined;
}
