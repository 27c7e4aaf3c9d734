import { describe, expect, it } from "vitest";
import type { AddInstruction, CopyInstruction, Instruction } from "../ast.js";
import { parseDockerfile } from "./parse-dockerfile.js";

/** The instructions after the first FROM of `FROM scratch\n` + body. */
function stageOf(body: string): Instruction[] {
  return parseDockerfile(`FROM scratch\n${body}`).stages[0]!.instructions;
}

function only<K extends Instruction["kind"]>(body: string, kind: K): Extract<Instruction, { kind: K }> {
  const [first, ...rest] = stageOf(body);
  expect(rest).toEqual([]);
  expect(first?.kind).toBe(kind);
  return first as Extract<Instruction, { kind: K }>;
}

const values = (words: Array<{ value: string }>): string[] => words.map((w) => w.value);

describe("parseDockerfile: continuations, comments, escape directive", () => {
  it.each([
    ["a backslash joins lines, keeping the next line's indentation", "COPY a \\\n    b /dst/\n", ["a", "b"], "/dst/"],
    ["comment lines inside a continuation are skipped", "COPY a \\\n# a comment\n  # indented comment\n  b /dst/\n", ["a", "b"], "/dst/"],
    ["blank lines inside a continuation are skipped", "COPY a \\\n\n   \n  b /dst/\n", ["a", "b"], "/dst/"],
    ["trailing spaces after the backslash still continue", "COPY a \\   \n b /dst/\n", ["a", "b"], "/dst/"],
    ["an escaped backslash at the end does not continue", "COPY a\\\\ /dst/\n", ["a\\\\"], "/dst/"],
    ["a line that is only a backslash continues", "COPY a \\\n\\\n b /dst/\n", ["a", "b"], "/dst/"],
    ["CRLF line endings", "COPY a \\\r\n b /dst/\r\n", ["a", "b"], "/dst/"],
  ])("%s", (_, body, sources, dest) => {
    const copy = only(body, "copy");
    expect(values(copy.sources)).toEqual(sources);
    expect(copy.dest.value).toBe(dest);
  });

  it("keeps the line and column of every node, continuation lines included", () => {
    const ast = parseDockerfile("FROM scratch\n\n   COPY --chown=1 a \\\n  bb /dst/\n");
    const copy = ast.stages[0]!.instructions[0] as CopyInstruction;
    expect(copy.location).toEqual({ line: 3, column: 4 });
    expect(copy.endLine).toBe(4);
    expect(copy.flags.chown!.location).toEqual({ line: 3, column: 9 });
    expect(copy.sources.map((s) => s.location)).toEqual([{ line: 3, column: 19 }, { line: 4, column: 3 }]);
    expect(copy.dest.location).toEqual({ line: 4, column: 6 });
    expect(copy.source).toBe("COPY --chown=1 a   bb /dst/");
  });

  it("warns about blank continuation lines like Docker does", () => {
    const ast = parseDockerfile("FROM scratch\nCOPY a \\\n\n b /c\n");
    expect(ast.warnings).toEqual([expect.stringMatching(/^Dockerfile:3:1: NoEmptyContinuation: empty continuation line/)]);
  });

  it("uses the backtick from `# escape=` for continuations and leaves backslashes alone", () => {
    const ast = parseDockerfile("# escape=`\nFROM scratch\nCOPY C:\\src\\app.exe `\n  C:\\src\\lib.dll C:\\app\\\n");
    const copy = ast.stages[0]!.instructions[0] as CopyInstruction;
    expect(ast.escapeChar).toBe("`");
    expect(ast.directives).toEqual({ escape: "`" });
    expect(values(copy.sources)).toEqual(["C:\\src\\app.exe", "C:\\src\\lib.dll"]);
    expect(copy.dest.value).toBe("C:\\app\\");
  });

  it("with the backtick escape, a trailing backslash does not continue", () => {
    const ast = parseDockerfile("# escape=`\nFROM scratch\nWORKDIR C:\\\nUSER app\n");
    expect(ast.stages[0]!.instructions.map((i) => i.kind)).toEqual(["workdir", "user"]);
  });

  it("recognises directives case-insensitively, with spaces, only at the top", () => {
    const ast = parseDockerfile("#  SYNTAX = docker/dockerfile:1.7\n# Check=skip=JSONArgsRecommended\n# escape=\\\nFROM scratch\n");
    expect(ast.directives).toEqual({ syntax: "docker/dockerfile:1.7", check: "skip=JSONArgsRecommended", escape: "\\" });
  });

  it.each([
    ["after a plain comment", "# hello\n# escape=`\nFROM scratch\n"],
    ["after a blank line", "\n# escape=`\nFROM scratch\n"],
    ["after an instruction", "FROM scratch\n# escape=`\n"],
    ["after an unknown directive", "# foo=bar\n# escape=`\nFROM scratch\n"],
  ])("ignores a directive %s (it is a comment)", (_, text) => {
    const ast = parseDockerfile(text);
    expect(ast.directives.escape).toBeUndefined();
    expect(ast.escapeChar).toBe("\\");
  });

  it("drops a UTF-8 byte-order mark before a directive", () => {
    expect(parseDockerfile("\uFEFF# syntax=docker/dockerfile:1\nFROM scratch\n").directives.syntax).toBe("docker/dockerfile:1");
  });
});

describe("parseDockerfile: instruction names and stages", () => {
  it("accepts instruction names in any case and lower-cases stage names", () => {
    const ast = parseDockerfile("arg V=1\nfrom --platform=linux/arm64 alpine:$V As Builder\nCopy a b\nfRoM builder\n");
    expect(ast.globalArgs).toHaveLength(1);
    expect(ast.stages.map((s) => s.from.stageName?.value)).toEqual(["builder", undefined]);
    expect(ast.stages[0]!.from.image.value).toBe("alpine:$V");
    expect(ast.stages[0]!.from.platform?.value).toBe("linux/arm64");
    expect(ast.stages[0]!.from.keyword).toBe("from");
    expect(ast.stages[0]!.instructions[0]!.kind).toBe("copy");
    expect(ast.instructions.map((i) => i.kind)).toEqual(["arg", "from", "copy", "from"]);
  });

  it("parses ARG with several names, defaults keeping their quotes", () => {
    const arg = parseDockerfile('ARG A B=2 C="x y"\nFROM scratch\n').globalArgs[0]!;
    expect(arg.args.map(({ name, value }) => ({ name, value }))).toEqual([
      { name: "A", value: undefined },
      { name: "B", value: "2" },
      { name: "C", value: '"x y"' },
    ]);
  });

  it("parses ENV key=value pairs with quotes and escaped spaces", () => {
    const env = only('ENV A=1 B="two words" C=three\\ words D=', "env");
    expect(env.legacy).toBe(false);
    expect(env.pairs.map(({ key, value }) => [key, value])).toEqual([
      ["A", "1"],
      ["B", '"two words"'],
      ["C", "three\\ words"],
      ["D", ""],
    ]);
  });

  it("parses the legacy ENV form (the rest of the line is the value) and warns", () => {
    const ast = parseDockerfile("FROM scratch\nENV GREETING hello  world\n");
    const env = ast.stages[0]!.instructions[0]!;
    expect(env).toMatchObject({ kind: "env", legacy: true, pairs: [{ key: "GREETING", value: "hello  world" }] });
    expect(ast.warnings[0]).toMatch(/^Dockerfile:2:1: .*legacy "ENV key value" form; write ENV GREETING="hello  world"$/);
  });

  it("parses LABEL like ENV", () => {
    expect(only('LABEL "com.example.vendor"="ACME" version=1.0', "label").pairs.map((p) => [p.key, p.value])).toEqual([
      ['"com.example.vendor"', '"ACME"'],
      ["version", "1.0"],
    ]);
  });

  it("keeps the whole rest of the line for WORKDIR, USER, STOPSIGNAL", () => {
    expect(only("WORKDIR /my app", "workdir").path.value).toBe("/my app");
    expect(only("USER app:staff", "user").user.value).toBe("app:staff");
    expect(only("STOPSIGNAL SIGQUIT", "stopsignal").signal.value).toBe("SIGQUIT");
  });

  it("marks MAINTAINER deprecated", () => {
    const ast = parseDockerfile("FROM scratch\nMAINTAINER Jane <jane@example.com>\n");
    expect(ast.stages[0]!.instructions[0]).toMatchObject({ kind: "maintainer", maintainer: "Jane <jane@example.com>" });
    expect(ast.warnings[0]).toMatch(/MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=/);
  });
});

describe("parseDockerfile: exec form and shell form", () => {
  it.each([
    ['CMD ["node", "server.js"]', { form: "exec", args: ["node", "server.js"] }],
    ["CMD node server.js", { form: "shell", command: "node server.js" }],
    ['CMD [ "a b" , "c" ]', { form: "exec", args: ["a b", "c"] }],
    ["CMD []", { form: "exec", args: [] }],
    ["CMD [abc]*.sh", { form: "shell", command: "[abc]*.sh" }],
    ['CMD echo "$HOME" \'x\'', { form: "shell", command: "echo \"$HOME\" 'x'" }],
  ])("%s", (line, command) => {
    expect(only(line, "cmd").command).toEqual(command);
  });

  it("parses ENTRYPOINT, SHELL and RUN the same way", () => {
    expect(only('ENTRYPOINT ["tini", "--"]', "entrypoint").command).toEqual({ form: "exec", args: ["tini", "--"] });
    expect(only("ENTRYPOINT exec app", "entrypoint").command).toEqual({ form: "shell", command: "exec app" });
    expect(only('SHELL ["/bin/bash", "-o", "pipefail", "-c"]', "shell").shell).toEqual(["/bin/bash", "-o", "pipefail", "-c"]);
    expect(only("RUN make all", "run").command).toEqual({ form: "shell", command: "make all" });
  });

  it("parses VOLUME and COPY in both forms (JSON for names with spaces)", () => {
    expect(only('VOLUME ["/data", "/var/log app"]', "volume")).toMatchObject({ form: "exec", paths: [{ value: "/data" }, { value: "/var/log app" }] });
    expect(values(only("VOLUME /data /logs", "volume").paths)).toEqual(["/data", "/logs"]);
    const copy = only('COPY ["my file.txt", "other", "/dest dir/"]', "copy");
    expect(copy.form).toBe("exec");
    expect(values(copy.sources)).toEqual(["my file.txt", "other"]);
    expect(copy.dest.value).toBe("/dest dir/");
  });

  it("parses HEALTHCHECK into Docker's config shape", () => {
    expect(only("HEALTHCHECK NONE", "healthcheck").healthcheck).toEqual({ Test: ["NONE"] });
    expect(only('HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]', "healthcheck").healthcheck).toEqual({ Test: ["CMD", "curl", "-f", "http://localhost/"] });
    expect(
      only("HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=0 --start-interval=2s --retries=3 cmd curl -f http://x/ || exit 1", "healthcheck").healthcheck,
    ).toEqual({
      Test: ["CMD-SHELL", "curl -f http://x/ || exit 1"],
      Interval: 90_000_000_000,
      Timeout: 500_000_000,
      StartInterval: 2_000_000_000,
      Retries: 3,
    });
  });
});

describe("parseDockerfile: flags", () => {
  it("parses every COPY flag, --exclude repeatable and quoted values unquoted", () => {
    const copy = only('COPY --from=build --chown="app user:staff" --chmod=0755 --link --parents --exclude=*.md --exclude=test/ a /b', "copy");
    expect(copy.flags.from?.value).toBe("build");
    expect(copy.flags.chown?.value).toBe("app user:staff");
    expect(copy.flags.chmod?.value).toBe("0755");
    expect(copy.flags.link).toBe(true);
    expect(copy.flags.parents).toBe(true);
    expect(values(copy.flags.exclude)).toEqual(["*.md", "test/"]);
  });

  it.each([
    ["--link=false", false],
    ["--link=TRUE", true],
    ["--link", true],
    ["", false],
  ])("COPY %s sets link to %s", (flag, link) => {
    expect(only(`COPY ${flag} a /b`, "copy").flags.link).toBe(link);
  });

  it("ends flags at a bare --", () => {
    expect(values(only("COPY --link -- --not-a-flag /b", "copy").sources)).toEqual(["--not-a-flag"]);
  });

  it("parses ADD flags and marks ADD apart from COPY", () => {
    const add = only("ADD --chown=1:1 --chmod=644 --link --exclude=x app.tar.gz /opt/", "add") as AddInstruction;
    expect(add.kind).toBe("add");
    expect(add.flags).toMatchObject({ link: true, chown: { value: "1:1" }, chmod: { value: "644" } });
  });
});

describe("parseDockerfile: heredocs", () => {
  it("reads a heredoc body after COPY; it becomes a source", () => {
    const copy = only("COPY <<EOF /etc/motd\nhello $USER\n  indented\nEOF", "copy");
    expect(copy.sources).toEqual([]);
    expect(copy.heredocs).toEqual([{ name: "EOF", content: "hello $USER\n  indented\n", expand: true, chomp: false, location: { line: 2, column: 6 } }]);
    expect(copy.endLine).toBe(5);
  });

  it("strips leading tabs with <<- (body and terminator)", () => {
    const copy = only("COPY <<-EOT /x\n\t\tone\n\ttwo\n  three\n\tEOT", "copy");
    expect(copy.heredocs[0]).toMatchObject({ name: "EOT", content: "one\ntwo\n  three\n", chomp: true });
  });

  it.each([
    ['<<"EOF"', false],
    ["<<'EOF'", false],
    ["<<EOF", true],
  ])("%s expands its body: %s", (marker, expand) => {
    expect(only(`COPY ${marker} /x\n$HOME\nEOF`, "copy").heredocs[0]).toMatchObject({ name: "EOF", expand, content: "$HOME\n" });
  });

  it("reads several heredocs on one line in order, mixed with paths", () => {
    const copy = only("COPY --chmod=755 <<one.sh local.txt <<two.sh /scripts/\necho 1\none.sh\necho 2\ntwo.sh", "copy");
    expect(values(copy.sources)).toEqual(["local.txt"]);
    expect(copy.heredocs.map((h) => [h.name, h.content])).toEqual([
      ["one.sh", "echo 1\n"],
      ["two.sh", "echo 2\n"],
    ]);
    expect(parseDockerfile("FROM scratch\nCOPY <<a <<b /x/\n1\na\n2\nb\nUSER app\n").stages[0]!.instructions.map((i) => i.kind)).toEqual(["copy", "user"]);
  });

  it.each([
    ["RUN <<  EOF  > foo", "EOF"],
    ["RUN 3<<EOF", "EOF"],
    ["RUN <<eo'f'", "eof"],
    ["RUN <<'one two'", "one two"],
    ["RUN <<$EOF", "$EOF"],
    ["COPY << EOF /x", "EOF"],
  ])("finds the heredoc of %s, named %j (BuildKit's cases)", (line, name) => {
    const text = `FROM scratch\n${line}\nbody\n${name}\nUSER app\n`;
    const [first, second] = parseDockerfile(text).stages[0]!.instructions;
    expect(first).toMatchObject({ heredocs: [{ name, content: "body\n" }] });
    expect(second?.kind).toBe("user");
  });

  it("keeps a heredoc's quotes-off state per delimiter (eo'f is quoted, eo\\'f is not)", () => {
    expect(only("RUN <<eo'f'\nx\neof", "run").heredocs[0]!.expand).toBe(false);
    expect(only("RUN <<eo\\'f\nx\neo'f", "run").heredocs[0]).toMatchObject({ name: "eo'f", expand: true });
  });

  it("copies a heredoc written with a space after <<", () => {
    const copy = only("COPY << EOF /x\nhi\nEOF", "copy");
    expect(copy.sources).toEqual([]);
    expect(copy.heredocs[0]).toMatchObject({ name: "EOF", content: "hi\n" });
  });

  it("keeps CRLF line endings in heredoc bodies", () => {
    expect(only("COPY <<EOF /x\r\nline\r\nEOF\r\n", "copy").heredocs[0]!.content).toBe("line\r\n");
  });

  it("does not treat a heredoc-looking word inside quotes, or in exec form, as a heredoc", () => {
    expect(only('RUN echo "<<EOF"', "run").heredocs).toEqual([]);
    expect(values(only('COPY ["<<EOF", "/x"]', "copy").sources)).toEqual(["<<EOF"]);
  });

  it("consumes RUN heredoc bodies so the instructions after them parse", () => {
    const instructions = stageOf("RUN <<EOF\nFROM not an instruction\nEOF\nUSER app\n");
    expect(instructions.map((i) => i.kind)).toEqual(["run", "user"]);
  });

  it("stores ONBUILD triggers as text, heredoc bodies appended", () => {
    expect(only("ONBUILD COPY <<X /y\nbody\nX", "onbuild")).toMatchObject({ trigger: "COPY <<X /y\nbody\nX", triggerKeyword: "COPY" });
    expect(only("onbuild   copy . /src", "onbuild")).toMatchObject({ trigger: "copy . /src", triggerKeyword: "COPY" });
  });
});
