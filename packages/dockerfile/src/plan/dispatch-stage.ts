import type { Instruction } from "../ast.js";
import { dispatchArg } from "./dispatch-arg.js";
import { dispatchCmd, dispatchEntrypoint, dispatchShell } from "./dispatch-command.js";
import { dispatchEnv, dispatchHealthcheck, dispatchLabel, dispatchMaintainer, dispatchOnbuild, dispatchStopsignal, dispatchUser, dispatchVolume } from "./dispatch-config.js";
import { dispatchCopy } from "./dispatch-copy.js";
import { dispatchExpose, dispatchWorkdir } from "./dispatch-paths.js";
import type { DispatchState } from "./dispatch-state.js";
import type { PlannedStage, PlanStep } from "./types.js";

const runRefusal =
  "exp builds images without running containers: RUN is not supported; build your artifacts before `exp build` and COPY them";

/** Plans one stage: its ONBUILD triggers first, then its own instructions, each in the scope left by the one before. */
export function dispatchStage(state: DispatchState): PlannedStage {
  const { stage } = state;
  const steps: PlanStep[] = [];
  for (const instruction of stage.triggers) steps.push(dispatchInstruction(state, instruction, true));
  for (const instruction of stage.node.instructions) steps.push(dispatchInstruction(state, instruction, false));
  return {
    index: stage.index,
    ...(stage.name ? { name: stage.name } : {}),
    base: stage.base,
    ...(stage.platform ? { platform: stage.platform } : {}),
    location: stage.node.from.location,
    steps,
  };
}

function dispatchInstruction(state: DispatchState, instruction: Instruction, trigger: boolean): PlanStep {
  switch (instruction.kind) {
    case "arg":
      return dispatchArg(state, instruction, trigger);
    case "env":
      return dispatchEnv(state, instruction, trigger);
    case "label":
      return dispatchLabel(state, instruction, trigger);
    case "workdir":
      return dispatchWorkdir(state, instruction, trigger);
    case "user":
      return dispatchUser(state, instruction, trigger);
    case "expose":
      return dispatchExpose(state, instruction, trigger);
    case "cmd":
      return dispatchCmd(state, instruction, trigger);
    case "entrypoint":
      return dispatchEntrypoint(state, instruction, trigger);
    case "shell":
      return dispatchShell(state, instruction, trigger);
    case "stopsignal":
      return dispatchStopsignal(state, instruction, trigger);
    case "volume":
      return dispatchVolume(state, instruction, trigger);
    case "healthcheck":
      return dispatchHealthcheck(state, instruction, trigger);
    case "onbuild":
      return dispatchOnbuild(state, instruction, trigger);
    case "maintainer":
      return dispatchMaintainer(state, instruction, trigger);
    case "copy":
    case "add":
      return dispatchCopy(state, instruction, trigger);
    case "run":
      return state.ctx.fail(
        trigger ? state.stage.node.from.location : instruction.location,
        trigger ? `ONBUILD RUN from the base of this stage: ${runRefusal}` : runRefusal,
        "ERR_UNSUPPORTED_INSTRUCTION",
      );
    case "from":
      // Stages are split at FROM by the parser, so a FROM never reaches a stage's instructions.
      return state.ctx.fail(instruction.location, "FROM inside a stage");
  }
}
