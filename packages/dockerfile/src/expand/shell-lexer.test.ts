import { describe, expect, it } from "vitest";
import { LexError } from "./lex-error.js";
import { lexWord } from "./shell-lexer.js";

const lex = (word: string, env: Record<string, string>) =>
  lexWord(word, (name) => (Object.hasOwn(env, name) ? env[name] : undefined), { escape: "\\" });

// Behaviour checked against BuildKit's own expectations for its shell lexer (shell/lex_test.go).
describe("lexWord: BuildKit conformance", () => {
  it.each([
    ["${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", { FOO: "xxx", BAR: "" }, "xxx  ccc", ["FOO", "BAR"], ["BAZ"]],
    ["${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", { FOO: "xxx", BAR: "" }, "xxx bbb ccc", ["FOO", "BAR"], ["BAZ"]],
    ["${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", { FOO: "xxx", BAR: "" }, "aaa bbb ", ["FOO", "BAR"], ["BAZ"]],
    ["${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", { FOO: "xxx", BAR: "" }, "aaa  ", ["FOO", "BAR"], ["BAZ"]],
    ["${FOO:-}", {}, "", [], ["FOO"]],
    ["${BAR?bbb}", { BAR: "" }, "", ["BAR"], []],
    ["${FOO#()[]{\\}^$.\\*\\?|\\\\}", { FOO: "()[]{}^$.*?|\\x" }, "x", ["FOO"], []],
    ["${FOO%%\\**}", { FOO: "xx**" }, "xx", ["FOO"], []],
    ["${FOO#*x*y}", { FOO: "xxyy" }, "y", ["FOO"], []],
    ["${FOO#*}", { FOO: "xxyy" }, "xxyy", ["FOO"], []],
    ["${FOO#$BAR}", { FOO: "xxyy", BAR: "x" }, "xyy", ["FOO", "BAR"], []],
    ["${FOO##*x}", { FOO: "xxyy" }, "yy", ["FOO"], []],
    ["${FOO#?\\?}", { FOO: "???y" }, "?y", ["FOO"], []],
    ["${ABC:-.}${FOO%x}${ABC:-.}", { FOO: "xxyy" }, ".xxyy.", ["FOO"], ["ABC"]],
    ["${FOO%%\\**\\*}", { FOO: "a***yy*" }, "a", ["FOO"], []],
    ["${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", { FOO: "/foo*/*/*.txt", NEEDLE: "\\*/" }, "/foo.*/*.txt - /foo..*.txt", ["FOO", "NEEDLE"], []],
    ["${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", { FOO: "/tmp/tmp/bar.txt", NEEDLE: "/tmp" }, "/tmp/bar.txt - /bar.txt", ["FOO", "NEEDLE"], []],
    ["${FOO/$N/$R} - ${FOO//$N/$R}", { FOO: "/a/foo/b/c.txt", N: "/?/", R: "/" }, "/foo/b/c.txt - /foo/c.txt", ["FOO", "N", "R"], []],
    ["${FOO//\\//\\/}", { FOO: "/tmp/foo.txt" }, "\\/tmp\\/foo.txt", ["FOO"], []],
    ["${FOO/$BAR/ww}", { FOO: "xxyy", BAR: "" }, "wwxxyy", ["FOO", "BAR"], []],
    ["${FOO///}", { FOO: "xxyy" }, "xxyy", ["FOO"], []],
    ["something-${V}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz", { V: "v1", TARGETOS: "linux", TARGETARCH: "arm", TARGETVARIANT: "v7" }, "something-v1.linux-arm-v7.tar.gz", ["V", "TARGETOS", "TARGETARCH", "TARGETVARIANT"], []],
  ] as const)("%s", (word, env, result, matched, unmatched) => {
    const out = lex(word, env);
    expect(out.result).toBe(result);
    expect([...out.matched].sort()).toEqual([...matched].sort());
    expect([...out.unmatched].sort()).toEqual([...unmatched].sort());
  });

  it.each(["${BAZ?ccc}", "${BAR:?bbb}", "${BAZ:?}", "${FOO=aaa}", "${FOO=:aaa}", "${FOO=}", "${FOO//ww}", "${FOO//}", "${FOO#\\}"])("rejects %s", (word) => {
    expect(() => lex(word, { FOO: "xxx", BAR: "" })).toThrow(LexError);
  });

  it("puts the expanded message of ${VAR:?msg} in the error", () => {
    expect(() => lex("${VAR:?message here$ARG}", { VAR: "", ARG: "x" })).toThrow("VAR: message herex");
    expect(() => lex("${VAR?message here$ARG}", { ARG: "x" })).toThrow("VAR: message herex");
  });

  it("keeps quotes and escapes when asked (heredoc detection, raw modes)", () => {
    expect(lexWord(`a "b c" 'd' \\e $X`, () => undefined, { escape: "\\", rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words).toEqual([
      "a",
      '"b c"',
      "'d'",
      "\\e",
      "$X",
    ]);
    expect(lexWord(`say "$X" 'y'`, (n) => (n === "X" ? "hi" : undefined), { escape: "\\", skipProcessQuotes: true }).result).toBe(`say "hi" 'y'`);
  });
});
