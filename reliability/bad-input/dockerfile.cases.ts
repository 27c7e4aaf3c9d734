import { mkdir } from "node:fs/promises";
import type { BadInputCase } from "./support/corpus.js";

// Dockerfile errors: each is reported with file:line:column, names the culprit and says what is
// accepted, and is found while planning, before the context is read or anything exported.

const toLocal = (sb: { context: string; dest: { local: string } }) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`];

const syntax = (name: string, dockerfile: string, message: RegExp[], code = "ERR_DOCKERFILE_SYNTAX"): BadInputCase => ({
  name,
  dockerfile,
  argv: toLocal,
  exit: 1,
  code,
  message,
  beforeBuild: true,
});

export const dockerfileCases: BadInputCase[] = [
  syntax("an empty Dockerfile", "", [/^Dockerfile:1:1: the Dockerfile has no instructions; it needs at least a FROM$/]),
  syntax("an instruction before the first FROM", "COPY a.txt /\nFROM scratch\n", [/^Dockerfile:1:1: COPY comes before the first FROM; only ARG may appear before FROM$/]),
  syntax("a misspelt instruction", "FROM scratch\nCOPPY a.txt /\n", [/^Dockerfile:2:1: unknown instruction: COPPY \(did you mean COPY\?\)$/], "ERR_UNKNOWN_INSTRUCTION"),
  syntax(
    "binary garbage instead of a Dockerfile",
    "\u0001\u0002garbage\u00ff\n",
    [/^Dockerfile:1:1: unknown instruction: /, /Dockerfile instructions are ADD, ARG, CMD, COPY/],
    "ERR_UNKNOWN_INSTRUCTION",
  ),
  syntax("RUN, which exp cannot do", "FROM scratch\nRUN make\n", [/^Dockerfile:2:1: exp builds images without running containers: RUN is not supported; build your artifacts before `exp build` and COPY them$/], "ERR_UNSUPPORTED_INSTRUCTION"),
  syntax("two stages with one name", "FROM scratch AS a\nFROM scratch AS a\nCOPY a.txt /\n", [/^Dockerfile:2:17: duplicate stage name "a": the stage on line 1 already uses it/]),
  syntax("a heredoc that never ends", "FROM scratch\nCOPY <<EOF /x\nhello\n", [/^Dockerfile:2:6: unterminated heredoc: no line "EOF" closes the document/]),
  syntax("an escape directive that is not \\ or `", "# escape=x\nFROM scratch\n", [/invalid escape directive "x": the escape character must be a backslash \(\\\) or a backtick \(`\)/]),
  syntax("COPY with one argument", "FROM scratch\nCOPY a.txt\n", [/^Dockerfile:2:6: COPY requires at least two arguments, a source and a destination: COPY \[--flags\] <src> \.\.\. <dest>$/]),
  syntax("a --chmod that is not octal", "FROM scratch\nCOPY --chmod=999 a.txt /\n", [/invalid --chmod=999: it should be an octal number between 0 and 07777/]),
  syntax("a misspelt COPY flag", "FROM scratch\nCOPY --frm=x a.txt /\n", [/unknown flag --frm for COPY \(did you mean --from\?\); COPY accepts --chmod, --chown, --exclude, --from, --link, --parents/]),
  syntax("COPY --from the stage it is in", "FROM scratch AS a\nCOPY --from=a a.txt /\n", [/COPY --from=a refers to the stage it is in, stage "a" \(line 1\); a stage can only use stages defined before it/]),
  syntax("FROM a build arg that is not set", "ARG BASE\nFROM ${BASE}\nCOPY a.txt /\n", [/^Dockerfile:2:6: FROM \$\{BASE\} expands to an empty image name: BASE is not set/]),
  {
    name: "a --target that is no stage",
    dockerfile: "FROM scratch AS base\nCOPY a.txt /\nFROM base AS final\n",
    argv: (sb) => [...toLocal(sb), "--target", "fnial"],
    exit: 1,
    code: "ERR_UNKNOWN_TARGET",
    message: [/target stage "fnial" not found \(did you mean "final"\?\); the stages are: base, final/],
    beforeBuild: true,
  },
  {
    name: "-f naming a file that does not exist",
    argv: (sb) => [...toLocal(sb), "-f", sb.path("ctx", "Dockerfile.prod")],
    exit: 1,
    code: "ERR_DOCKERFILE_NOT_FOUND",
    message: [/cannot read the Dockerfile: .*Dockerfile\.prod does not exist/],
    beforeBuild: true,
  },
  {
    name: "-f naming a directory",
    setup: async (sb) => void (await mkdir(sb.path("ctx", "docker"))),
    argv: (sb) => [...toLocal(sb), "-f", sb.path("ctx", "docker")],
    exit: 1,
    code: "ERR_DOCKERFILE_NOT_FOUND",
    message: [/cannot read the Dockerfile: .*docker is not a file/],
    beforeBuild: true,
  },
];
