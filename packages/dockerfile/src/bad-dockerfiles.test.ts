import { describe, expect, it } from "vitest";
import { DockerfileError, type DockerfileErrorCode } from "./errors.js";
import { parseDockerfile } from "./parse/parse-dockerfile.js";
import { planBuild } from "./plan/plan-build.js";
import type { PlanOptions } from "./plan/types.js";

interface BadCase {
  name: string;
  text: string;
  code: DockerfileErrorCode;
  /** [line, column] */
  at: [number, number];
  message: RegExp;
  options?: PlanOptions;
}

// Each Dockerfile has exactly one problem; the error must name it and point at it.
const cases: BadCase[] = [
  {
    name: "RUN",
    text: "FROM alpine\nCOPY . /src\n  RUN make\n",
    code: "ERR_UNSUPPORTED_INSTRUCTION",
    at: [3, 3],
    message: /exp builds images without running containers: RUN is not supported; build your artifacts before `exp build` and COPY them/,
  },
  {
    name: "RUN in exec form with a heredoc",
    text: "FROM alpine\nRUN <<EOF\nmake\nEOF\n",
    code: "ERR_UNSUPPORTED_INSTRUCTION",
    at: [2, 1],
    message: /RUN is not supported/,
  },
  {
    name: "ADD of a URL beside a local file",
    text: "FROM alpine\nADD --chown=1 local.txt https://example.com/app.tar.gz /opt/\n",
    code: "ERR_UNSUPPORTED_INSTRUCTION",
    at: [2, 1],
    message: /ADD local\.txt https:\/\/example\.com\/app\.tar\.gz: exp downloads one URL per ADD, with no other source beside it/,
  },
  {
    name: "ADD of a URL that is not http(s), from a variable",
    text: "FROM alpine\nARG SRC=ftp://example.com/x\nADD $SRC /x\n",
    code: "ERR_UNSUPPORTED_INSTRUCTION",
    at: [3, 5],
    message: /ADD ftp:\/\/example\.com\/x: exp downloads http:\/\/ and https:\/\/ URLs only/,
  },
  {
    name: "ADD --checksum that is no digest",
    text: "FROM alpine\nARG SUM=md5:abc\nADD --checksum=$SUM https://example.com/x /x\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [3, 5],
    message: /invalid ADD --checksum=md5:abc: write sha256:<64 lower-case hex digits>/,
  },
  {
    name: "ADD --checksum with sha512",
    text: `FROM alpine\nADD --checksum=sha512:${"a".repeat(128)} https://example.com/x /x\n`,
    code: "ERR_UNSUPPORTED_INSTRUCTION",
    at: [2, 5],
    message: /exp verifies sha256 checksums only/,
  },
  {
    name: "ADD of a git repository",
    text: "FROM alpine\nADD git@github.com:moby/buildkit.git#v0.13 /src\n",
    code: "ERR_UNSUPPORTED_GIT_SOURCE",
    at: [2, 5],
    message: /ADD of a git repository is not supported .*clone it before the build and COPY it/,
  },
  {
    name: "ADD --keep-git-dir, read only for git sources, which exp has not",
    text: "FROM alpine\n  ADD --keep-git-dir=true src /src\n",
    code: "ERR_UNSUPPORTED_GIT_SOURCE",
    at: [2, 3],
    message: /ADD --keep-git-dir=true: git sources are not supported .*--keep-git-dir only applies to them/,
  },
  {
    name: "unknown instruction with a suggestion",
    text: "FROM alpine\nCOPPY a /b\n",
    code: "ERR_UNKNOWN_INSTRUCTION",
    at: [2, 1],
    message: /unknown instruction: COPPY \(did you mean COPY\?\)/,
  },
  {
    name: "unknown instruction without a close match",
    text: "FROM alpine\nFROBNICATE now\n",
    code: "ERR_UNKNOWN_INSTRUCTION",
    at: [2, 1],
    message: /unknown instruction: FROBNICATE; Dockerfile instructions are ADD, ARG, CMD/,
  },
  {
    name: "unterminated JSON array",
    text: 'FROM alpine\nCMD ["node", "server.js"\n',
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 5],
    message: /CMD \["node", "server\.js" looks like an exec-form JSON array but is not valid JSON/,
  },
  {
    name: "JSON array with single quotes",
    text: "FROM alpine\nENTRYPOINT ['node', 'server.js']\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 12],
    message: /not valid JSON.*with double quotes/,
  },
  {
    name: "JSON array with a number",
    text: 'FROM alpine\nCMD ["sleep", 5]\n',
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 5],
    message: /every element must be a string/,
  },
  {
    name: "missing heredoc terminator",
    text: "FROM alpine\nCOPY <<EOF /etc/motd\nhello\neof\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /unterminated heredoc: no line "EOF" closes the document that starts here \(<<EOF\)/,
  },
  {
    name: "unknown flag with a suggestion",
    text: "FROM alpine\nCOPY --form=build a /b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /unknown flag --form for COPY \(did you mean --from\?\); COPY accepts --chmod, --chown, --exclude, --from, --link, --parents/,
  },
  {
    name: "flag not valid for the instruction",
    text: "FROM alpine\nADD --from=build a /b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 5],
    message: /unknown flag --from for ADD/,
  },
  {
    name: "flag on an instruction without flags",
    text: "FROM alpine\nENV --x=1 A=b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 5],
    message: /unknown flag --x: ENV takes no flags/,
  },
  {
    name: "string flag without a value",
    text: "FROM alpine\nCOPY --chown a /b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /flag --chown needs a value: --chown=<value>/,
  },
  {
    name: "boolean flag with a bad value",
    text: "FROM alpine\nCOPY --link=yes a /b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /flag --link expects true or false, not "yes"/,
  },
  {
    name: "flag given twice",
    text: "FROM alpine\nCOPY --from=a --from=b x /y\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 15],
    message: /flag --from is given more than once to COPY/,
  },
  {
    name: "bad HEALTHCHECK duration",
    text: "FROM alpine\nHEALTHCHECK --interval=5 CMD true\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 13],
    message: /--interval=5 is not a duration \(a number has no unit\)/,
  },
  {
    name: "HEALTHCHECK duration below 1ms",
    text: "FROM alpine\nHEALTHCHECK --timeout=10us CMD true\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 13],
    message: /--timeout=10us is less than the 1ms minimum/,
  },
  {
    name: "duplicate stage name",
    text: "FROM alpine AS build\nFROM alpine AS Build\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 16],
    message: /duplicate stage name "build": the stage on line 1 already uses it/,
  },
  {
    name: "invalid stage name",
    text: "FROM alpine AS 1st\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 16],
    message: /invalid stage name "1st": a stage name starts with a letter/,
  },
  {
    name: "reserved stage name",
    text: "FROM alpine AS scratch\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 16],
    message: /stage name "scratch" is reserved/,
  },
  {
    name: "forward stage reference in COPY --from",
    text: "FROM alpine AS build\nCOPY --from=final /a /b\nFROM alpine AS final\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /COPY --from=final refers to stage "final" \(line 3\), which comes after stage "build" \(line 1\); a stage can only use stages defined before it/,
  },
  {
    name: "forward stage reference by index",
    text: "FROM alpine\nCOPY --from=1 /a /b\nFROM alpine\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /COPY --from=1 refers to stage 1 \(line 3\), which comes after stage 0 \(line 1\)/,
  },
  {
    name: "self reference in COPY --from",
    text: "FROM alpine AS app\nCOPY --from=app /a /b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /COPY --from=app refers to the stage it is in, stage "app" \(line 1\)/,
  },
  {
    name: "forward stage reference in FROM",
    text: "FROM builder AS app\nFROM alpine AS builder\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 6],
    message: /FROM builder refers to stage "builder" \(line 2\), which comes after stage "app" \(line 1\)/,
  },
  {
    name: "stage index out of range",
    text: "FROM alpine\nCOPY --from=7 /a /b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /COPY --from=7: there is no stage 7; stage indexes here go from 0 to 0/,
  },
  {
    name: "variable in COPY --from",
    text: "FROM alpine\nARG SRC=build\nCOPY --from=$SRC /a /b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [3, 6],
    message: /COPY --from=\$SRC: variables and quotes are not expanded in --from/,
  },
  {
    name: "unknown target",
    text: "FROM alpine AS base\nFROM base AS build\nFROM build AS final\n",
    options: { target: "buidl" },
    code: "ERR_UNKNOWN_TARGET",
    at: [0, 0],
    message: /^Dockerfile: target stage "buidl" not found \(did you mean "build"\?\); the stages are: base, build, final$/,
  },
  {
    name: "instruction before the first FROM",
    text: "ARG V=1\n\nCOPY a /b\nFROM alpine\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [3, 1],
    message: /COPY comes before the first FROM; only ARG may appear before FROM/,
  },
  {
    name: "empty file",
    text: "",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 1],
    message: /the Dockerfile has no instructions/,
  },
  {
    name: "only comments",
    text: "# nothing here\n\n# really\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 1],
    message: /the Dockerfile has no instructions/,
  },
  {
    name: "no FROM",
    text: "ARG A=1\nARG B=2\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 1],
    message: /no FROM instruction/,
  },
  {
    name: "FROM without image",
    text: "FROM\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 1],
    message: /FROM needs a base image: FROM \[--platform=<platform>\] <image> \[AS <name>\]/,
  },
  {
    name: "AS without name",
    text: "FROM alpine AS\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 13],
    message: /AS needs a stage name after it/,
  },
  {
    name: "FROM with extra words",
    text: "FROM alpine latest\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 13],
    message: /FROM takes an image and optionally "AS <name>"/,
  },
  {
    name: "FROM expanding to nothing",
    text: "FROM $BASE\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 6],
    message: /FROM \$BASE expands to an empty image name: BASE is not set/,
  },
  {
    name: "ENV without a value",
    text: "FROM alpine\nENV DEBUG\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 5],
    message: /ENV DEBUG has no value; write ENV DEBUG=<value>/,
  },
  {
    name: "ENV pair without =",
    text: "FROM alpine\nENV A=1 B\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 9],
    message: /ENV: cannot find "=" in "B"; every word must be <key>=<value>/,
  },
  {
    name: "COPY without destination",
    text: "FROM alpine\nCOPY app\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /COPY requires at least two arguments, a source and a destination/,
  },
  {
    name: "SHELL in shell form",
    text: "FROM alpine\nSHELL /bin/bash -c\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 7],
    message: /SHELL requires the JSON form/,
  },
  {
    name: "duplicate directive",
    text: "# syntax=docker/dockerfile:1\n# syntax=docker/dockerfile:1.7\nFROM alpine\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 1],
    message: /the syntax parser directive is given twice/,
  },
  {
    name: "invalid escape directive",
    text: "# escape=x\nFROM alpine\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [1, 1],
    message: /invalid escape directive "x"/,
  },
  {
    name: "bad variable syntax",
    text: "FROM alpine\nWORKDIR /app\nCOPY ${SRC /dst\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [3, 6],
    message: /failed to process "\$\{SRC": syntax error: missing '\}'/,
  },
  {
    name: "required variable unset",
    text: "FROM alpine\nARG VERSION\nLABEL version=\"${VERSION:?pass --build-arg VERSION}\"\n",
    code: "ERR_UNSET_VARIABLE",
    at: [3, 7],
    message: /VERSION: pass --build-arg VERSION/,
  },
  {
    name: "bad EXPOSE",
    text: "FROM alpine\nEXPOSE 80/http\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 8],
    message: /invalid EXPOSE port "80\/http": invalid protocol "http"; use tcp, udp or sctp/,
  },
  {
    name: "bad --chmod",
    text: "FROM alpine\nCOPY --chmod=0999 a /b\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /invalid --chmod=0999: it should be an octal number between 0 and 07777/,
  },
  {
    name: "bad STOPSIGNAL",
    text: "FROM alpine\nSTOPSIGNAL SIGNOPE\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 12],
    message: /STOPSIGNAL "SIGNOPE" is not a signal/,
  },
  {
    name: "COPY of a URL",
    text: "FROM alpine\nCOPY https://example.com/a /a\n",
    code: "ERR_DOCKERFILE_SYNTAX",
    at: [2, 6],
    message: /COPY cannot take a URL/,
  },
  {
    name: "ONBUILD RUN trigger of the base stage",
    text: "FROM alpine AS base\nONBUILD RUN make\nFROM base\n",
    code: "ERR_UNSUPPORTED_INSTRUCTION",
    at: [3, 1],
    message: /ONBUILD RUN from the base of this stage: exp builds images without running containers/,
  },
];

function errorOf(text: string, options?: PlanOptions): DockerfileError {
  try {
    planBuild(parseDockerfile(text), options);
  } catch (error) {
    if (error instanceof DockerfileError) return error;
    throw error;
  }
  throw new Error("expected a DockerfileError, got a plan");
}

describe("bad Dockerfiles: one clear error each", () => {
  it.each(cases)("$name", ({ text, code, at, message, options }) => {
    const error = errorOf(text, options);
    expect(error.code).toBe(code);
    expect([error.line, error.column]).toEqual(at);
    expect(error.message).toMatch(message);
    expect(error.file).toBe("Dockerfile");
    if (at[0] > 0) expect(error.message.startsWith(`Dockerfile:${at[0]}:${at[1]}: `)).toBe(true);
  });

  it("uses the file name it was given", () => {
    expect(() => parseDockerfile("FROM alpine\nCOPPY a b\n", { fileName: "build/app.Dockerfile" })).toThrow(/^build\/app\.Dockerfile:2:1: unknown instruction/);
  });

  it("refuses RUN only in the stages the target needs", () => {
    const ast = parseDockerfile("FROM alpine AS dev\nRUN apk add gdb\nFROM alpine AS app\nCOPY app /app\n");
    expect(planBuild(ast, { target: "app" }).stages.map((s) => s.name)).toEqual(["app"]);
    expect(() => planBuild(ast, { target: "dev" })).toThrow(/RUN is not supported/);
  });
});
