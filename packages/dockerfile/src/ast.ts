import type { Finding } from "./lint/finding.js";
import type { SyntaxDirective } from "./parse/detect-syntax.js";
import type { SourceLocation } from "./source-location.js";

/**
 * A piece of Dockerfile text as written, before variable expansion, with where it starts. The
 * planner expands it in the right scope and points errors at `location`.
 */
export interface Word {
  value: string;
  location: SourceLocation;
}

/** CMD, ENTRYPOINT, RUN and HEALTHCHECK CMD: exec form (JSON array) or shell form (raw text). */
export type CommandLine = { form: "exec"; args: string[] } | { form: "shell"; command: string };

/** Docker's HEALTHCHECK config shape; durations in nanoseconds, zero fields left out (as Docker's JSON omits them). */
export interface Healthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** `# syntax=`, `# escape=`, `# check=` as written at the top of the file. */
export interface ParserDirectives {
  syntax?: string;
  escape?: string;
  check?: string;
}

interface InstructionBase {
  /** The instruction name as written (`copy`, `COPY`, `Copy`). */
  keyword: string;
  /** Where the instruction name starts. */
  location: SourceLocation;
  /** Last line of the instruction, continuation lines and heredoc bodies included. */
  endLine: number;
  /** The instruction with continuation lines joined, as BuildKit keeps it (`Original`). */
  source: string;
  /**
   * `check=` written in the comments just above the instruction (`# check=skip=MaintainerDeprecated`),
   * its first word: BuildKit adds its skips to the findings about this instruction (and, above a
   * FROM, its stage's).
   */
  checkComment?: string;
}

export interface FromInstruction extends InstructionBase {
  kind: "from";
  image: Word;
  /** Lower-cased, as stage names are case-insensitive. */
  stageName?: Word;
  platform?: Word;
}

export interface ArgDeclaration {
  name: string;
  /** The default as written (quotes kept), expanded by the planner. */
  value?: string;
  location: SourceLocation;
}

export interface ArgInstruction extends InstructionBase {
  kind: "arg";
  args: ArgDeclaration[];
}

export interface KeyValue {
  key: string;
  value: string;
  location: SourceLocation;
}

export interface EnvInstruction extends InstructionBase {
  kind: "env";
  pairs: KeyValue[];
  /** `ENV key value` rather than `ENV key=value`. */
  legacy: boolean;
}

export interface LabelInstruction extends InstructionBase {
  kind: "label";
  pairs: KeyValue[];
  legacy: boolean;
}

export interface WorkdirInstruction extends InstructionBase {
  kind: "workdir";
  path: Word;
}

export interface UserInstruction extends InstructionBase {
  kind: "user";
  user: Word;
}

export interface ExposeInstruction extends InstructionBase {
  kind: "expose";
  ports: Word[];
}

export interface CmdInstruction extends InstructionBase {
  kind: "cmd";
  command: CommandLine;
}

export interface EntrypointInstruction extends InstructionBase {
  kind: "entrypoint";
  command: CommandLine;
}

export interface ShellInstruction extends InstructionBase {
  kind: "shell";
  shell: string[];
}

export interface StopsignalInstruction extends InstructionBase {
  kind: "stopsignal";
  signal: Word;
}

export interface VolumeInstruction extends InstructionBase {
  kind: "volume";
  paths: Word[];
  form: "exec" | "shell";
}

export interface HealthcheckInstruction extends InstructionBase {
  kind: "healthcheck";
  healthcheck: Healthcheck;
}

export interface OnbuildInstruction extends InstructionBase {
  kind: "onbuild";
  /** The trigger as BuildKit stores it in the image config's OnBuild (heredoc bodies appended). */
  trigger: string;
  /** Upper-cased instruction name of the trigger (`COPY`). */
  triggerKeyword: string;
}

export interface MaintainerInstruction extends InstructionBase {
  kind: "maintainer";
  maintainer: string;
}

/** A `<<EOF` document of COPY, ADD or RUN. */
export interface Heredoc {
  /** The delimiter, quotes removed; for COPY/ADD also the file name. */
  name: string;
  /** Body lines with their line endings; `<<-` bodies have leading tabs already removed. */
  content: string;
  /** False when the delimiter was quoted (`<<"EOF"`): no variable expansion in the body. */
  expand: boolean;
  /** `<<-EOF`: leading tabs stripped from the body and the terminator. */
  chomp: boolean;
  location: SourceLocation;
}

export interface CopyFlags {
  from?: Word;
  chown?: Word;
  chmod?: Word;
  link: boolean;
  parents: boolean;
  exclude: Word[];
}

export interface AddFlags {
  chown?: Word;
  chmod?: Word;
  link: boolean;
  exclude: Word[];
  checksum?: Word;
  keepGitDir?: boolean;
}

export interface CopyInstruction extends InstructionBase {
  kind: "copy";
  /** Source paths as written (heredoc markers removed: see `heredocs`). */
  sources: Word[];
  dest: Word;
  heredocs: Heredoc[];
  form: "exec" | "shell";
  flags: CopyFlags;
}

export interface AddInstruction extends InstructionBase {
  kind: "add";
  sources: Word[];
  dest: Word;
  heredocs: Heredoc[];
  form: "exec" | "shell";
  flags: AddFlags;
}

/** Parsed so the rest of the file parses (heredoc bodies included); planBuild refuses it. */
export interface RunInstruction extends InstructionBase {
  kind: "run";
  command: CommandLine;
  heredocs: Heredoc[];
}

export type Instruction =
  | FromInstruction
  | ArgInstruction
  | EnvInstruction
  | LabelInstruction
  | WorkdirInstruction
  | UserInstruction
  | ExposeInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | StopsignalInstruction
  | VolumeInstruction
  | HealthcheckInstruction
  | OnbuildInstruction
  | MaintainerInstruction
  | CopyInstruction
  | AddInstruction
  | RunInstruction;

export type InstructionKind = Instruction["kind"];

/** One FROM and the instructions up to the next FROM. */
export interface StageNode {
  from: FromInstruction;
  instructions: Instruction[];
}

export interface DockerfileAST {
  fileName: string;
  directives: ParserDirectives;
  /** Where each directive in `directives` was written. */
  directiveLocations: Partial<Record<keyof ParserDirectives, SourceLocation>>;
  /**
   * The frontend the file asks for, found as BuildKit's DetectSyntax finds it (`# syntax=`, else
   * `// syntax=`, else a JSON "syntax" key); planBuild refuses any but docker/dockerfile:1.
   */
  syntax?: SyntaxDirective;
  /** The escape character in force: `\` unless `# escape=\`` changed it. */
  escapeChar: "\\" | "`";
  /** ARGs before the first FROM: usable in FROM lines, and in a stage once re-declared. */
  globalArgs: ArgInstruction[];
  stages: StageNode[];
  /** Every instruction in file order (global ARGs, FROMs and stage instructions). */
  instructions: Instruction[];
  /**
   * Problems Docker accepts but warns about, each prefixed with `file:line:column: ` and the
   * BuildKit lint rule's name when there is one; those `# check=skip=` names are left out.
   */
  warnings: string[];
  /** Every warning the parser found, `# check=` not applied: planBuild applies it (or BUILDKIT_DOCKERFILE_CHECK). */
  findings: Finding[];
}
