import type { CmdInstruction, CommandLine, EntrypointInstruction, RunInstruction, ShellInstruction } from "../../ast.js";
import type { ParseContext } from "../context.js";
import { parseJsonForm } from "../json-form.js";
import type { RawInstruction } from "../read-instructions.js";
import { argsOrInstructionLocation, base, label, noFlags } from "./common.js";

/** Exec form when the arguments are a JSON array of strings, otherwise the raw text for the shell. */
export function commandLine(raw: RawInstruction, args: string, ctx: ParseContext): CommandLine {
  const form = parseJsonForm(args, label(raw), ctx, argsOrInstructionLocation(raw));
  return form.json ? { form: "exec", args: form.values } : { form: "shell", command: args };
}

export function buildCmd(raw: RawInstruction, ctx: ParseContext): CmdInstruction {
  noFlags(raw, ctx);
  return { kind: "cmd", ...base(raw), command: commandLine(raw, raw.args, ctx) };
}

export function buildEntrypoint(raw: RawInstruction, ctx: ParseContext): EntrypointInstruction {
  noFlags(raw, ctx);
  return { kind: "entrypoint", ...base(raw), command: commandLine(raw, raw.args, ctx) };
}

/** SHELL only has a JSON form: `SHELL ["/bin/bash", "-c"]`. */
export function buildShell(raw: RawInstruction, ctx: ParseContext): ShellInstruction {
  noFlags(raw, ctx);
  const form = parseJsonForm(raw.args, "SHELL", ctx, argsOrInstructionLocation(raw));
  if (!form.json) ctx.fail(argsOrInstructionLocation(raw), `SHELL requires the JSON form, SHELL ["executable", "parameters"], not ${JSON.stringify(raw.args)}`);
  if (form.values.length === 0) ctx.fail(argsOrInstructionLocation(raw), 'SHELL requires at least one argument: SHELL ["executable", "parameters"]');
  return { kind: "shell", ...base(raw), shell: form.values };
}

/**
 * RUN is parsed (flags unchecked) so that its heredoc bodies are consumed and the rest of the
 * file parses; planBuild refuses it in any stage the target needs.
 */
export function buildRun(raw: RawInstruction, ctx: ParseContext): RunInstruction {
  return {
    kind: "run",
    ...base(raw),
    command: commandLine(raw, raw.args, ctx),
    heredocs: raw.heredocs.map(({ rawContent: _, ...heredoc }) => heredoc),
  };
}
