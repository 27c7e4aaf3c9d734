import { describe, expect, it } from "vitest";
import { DockerfileError } from "../errors.js";
import { expandWord, splitWords } from "./expand-word.js";

const env: Record<string, string> = { SET: "value", EMPTY: "", FILE: "archive.tar.gz", PATHS: "/usr/local/bin:/usr/bin", PORTS: "80  443/udp", SP: "a b" };
const lookup = (name: string): string | undefined => (Object.hasOwn(env, name) ? env[name] : undefined);

describe("expandWord", () => {
  it.each([
    ["$SET", "value"],
    ["${SET}", "value"],
    ["pre-${SET}-post", "pre-value-post"],
    ["$SET.txt", "value.txt"],
    ["$UNSET", ""],
    ["${UNSET}", ""],
    // :- and - differ on empty
    ["${SET:-default}", "value"],
    ["${EMPTY:-default}", "default"],
    ["${UNSET:-default}", "default"],
    ["${SET-default}", "value"],
    ["${EMPTY-default}", ""],
    ["${UNSET-default}", "default"],
    // :+ and + differ on empty
    ["${SET:+alternate}", "alternate"],
    ["${EMPTY:+alternate}", ""],
    ["${UNSET:+alternate}", ""],
    ["${SET+alternate}", "alternate"],
    ["${EMPTY+alternate}", "alternate"],
    ["${UNSET+alternate}", ""],
    // the word after an operator is itself expanded
    ["${UNSET:-$SET}", "value"],
    ["${UNSET:-${EMPTY:-nested}}", "nested"],
    // # and ## trim the shortest / longest prefix, % and %% the suffix, with globs
    ["${FILE#*.}", "tar.gz"],
    ["${FILE##*.}", "gz"],
    ["${FILE%.*}", "archive.tar"],
    ["${FILE%%.*}", "archive"],
    ["${FILE#archive}", ".tar.gz"],
    ["${FILE#nomatch}", "archive.tar.gz"],
    ["${FILE%.t?r.gz}", "archive"],
    ["${PATHS#*:}", "/usr/bin"],
    ["${PATHS%%:*}", "/usr/local/bin"],
    ["${UNSET#*}", ""],
    // / replaces the first match, // every match
    ["${FILE/a/A}", "Archive.tar.gz"],
    ["${FILE//a/A}", "Archive.tAr.gz"],
    ["${FILE//./}", "archivetargz"],
    // escapes and quotes
    ["\\$SET", "$SET"],
    ["\\${SET}", "${SET}"],
    ["'$SET'", "$SET"],
    ['"$SET"', "value"],
    ['"\\$SET"', "$SET"],
    ['"a\\"b"', 'a"b'],
    ['"a\\nb"', "a\\nb"],
    ["a\\ b", "a b"],
    ["it''s", "its"],
    ['"it\'s"', "it's"],
    ["$", "$"],
    ["a$", "a$"],
    ["$1", ""],
    ["trailing\\", "trailing"],
  ])("%s → %s", (word, expected) => {
    expect(expandWord(word, lookup)).toBe(expected);
  });

  it("uses the backtick as escape when the Dockerfile says so", () => {
    expect(expandWord("`$SET C:\\dir", lookup, { escape: "`" })).toBe("$SET C:\\dir");
    expect(expandWord("\\$SET", lookup, { escape: "`" })).toBe("\\value");
  });

  it.each([
    ["${SET", "syntax error: missing '}'"],
    ["${}", "bad substitution"],
    ["${:-x}", "bad substitution"],
    ["${SET:x}", "unsupported modifier (:x) in substitution"],
    ["${SET!x}", "unsupported modifier (!) in substitution"],
    ["${SET:-x", "missing '}'"],
    ["'unterminated", "matching single-quote"],
    ['"unterminated', "matching double-quote"],
    ["${FILE#\\x}", "invalid escape"],
    ["${FILE//.}", "missing '/' in ${}"],
  ])("rejects %s naming the word", (word, reason) => {
    let error: unknown;
    try {
      expandWord(word, lookup, { location: { line: 3, column: 7 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DockerfileError);
    const e = error as DockerfileError;
    expect(e.code).toBe("ERR_DOCKERFILE_SYNTAX");
    expect([e.line, e.column]).toEqual([3, 7]);
    expect(e.message).toContain(`Dockerfile:3:7: failed to process ${JSON.stringify(word)}`);
    expect(e.message).toContain(reason);
  });

  it("stops with ERR_UNSET_VARIABLE for ${VAR?msg} / ${VAR:?msg}", () => {
    expect(expandWord("${SET?need it}", lookup)).toBe("value");
    expect(expandWord("${EMPTY?need it}", lookup)).toBe("");
    expect(() => expandWord("${UNSET?need VERSION}", lookup)).toThrow(expect.objectContaining({ code: "ERR_UNSET_VARIABLE", message: expect.stringContaining("UNSET: need VERSION") }));
    expect(() => expandWord("${EMPTY:?}", lookup)).toThrow(/EMPTY: is not allowed to be empty/);
  });

  it("rejects an escape option that is not a backslash or backtick", () => {
    expect(() => expandWord("x", lookup, { escape: "^" })).toThrow(expect.objectContaining({ code: "ERR_INVALID_OPTION" }));
  });
});

describe("splitWords", () => {
  it.each([
    ["$PORTS", ["80", "443/udp"]],
    ['"$PORTS"', ["80  443/udp"]],
    ["8080 $SP", ["8080", "a", "b"]],
    ["a\\ b c", ["a b", "c"]],
    ["'x y' z", ["x y", "z"]],
    ["$UNSET", []],
    ['""', []],
  ])("%s → %j", (word, words) => {
    expect(splitWords(word, lookup)).toEqual(words);
  });
});
