import type { CmdInstruction, CommandLine, EntrypointInstruction, ShellInstruction } from "../ast.js";
import { stepBase, type DispatchState } from "./dispatch-state.js";
import { goList, goQuotedList } from "./go-format.js";
import { defaultShell } from "./platform.js";
import type { CmdStep, EntrypointStep, ShellStep } from "./types.js";

/** Exec form as is; shell form as `[...SHELL, command]` with the stage's current SHELL. Never expanded. */
function execArgs(state: DispatchState, command: CommandLine): string[] {
  if (command.form === "exec") return [...command.args];
  return [...(state.scope.shell ?? defaultShell(state.stage.os)), command.command];
}

export function dispatchCmd(state: DispatchState, instruction: CmdInstruction, trigger: boolean): CmdStep {
  const args = execArgs(state, instruction.command);
  state.scope.cmdSet = true;
  return { kind: "cmd", ...stepBase(state, instruction.location, trigger), createdBy: `CMD ${goQuotedList(args)}`, emptyLayer: true, args };
}

export function dispatchEntrypoint(state: DispatchState, instruction: EntrypointInstruction, trigger: boolean): EntrypointStep {
  const args = execArgs(state, instruction.command);
  return {
    kind: "entrypoint",
    ...stepBase(state, instruction.location, trigger),
    createdBy: `ENTRYPOINT ${goQuotedList(args)}`,
    emptyLayer: true,
    args,
    resetsCmd: !state.scope.cmdSet,
  };
}

export function dispatchShell(state: DispatchState, instruction: ShellInstruction, trigger: boolean): ShellStep {
  const shell = [...instruction.shell];
  state.scope.shell = shell;
  return { kind: "shell", ...stepBase(state, instruction.location, trigger), createdBy: `SHELL ${goList(shell)}`, emptyLayer: true, shell: [...shell] };
}
