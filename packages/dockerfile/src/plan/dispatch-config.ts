import type {
  EnvInstruction,
  HealthcheckInstruction,
  KeyValue,
  LabelInstruction,
  MaintainerInstruction,
  OnbuildInstruction,
  StopsignalInstruction,
  UserInstruction,
  VolumeInstruction,
} from "../ast.js";
import { expandIn, stepBase, type DispatchState } from "./dispatch-state.js";
import { goHealthcheck, goList } from "./go-format.js";
import { isValidSignal } from "./signals.js";
import type { EnvStep, HealthcheckStep, KeyValuePair, LabelStep, MaintainerStep, OnbuildStep, StopsignalStep, UserStep, VolumeStep } from "./types.js";

/**
 * Every pair of one ENV sees the variables as they were before it (`ENV a=1 b=$a` takes the old
 * `a`), as in Docker; the new values apply from the next instruction on.
 */
export function dispatchEnv(state: DispatchState, instruction: EnvInstruction, trigger: boolean): EnvStep {
  const pairs = expandPairs(state, instruction.pairs, "ENV");
  for (const pair of pairs) state.scope.set(pair.key, pair.value);
  return { kind: "env", ...stepBase(state, instruction.location, trigger), createdBy: `ENV ${pairsText(pairs)}`, emptyLayer: true, pairs };
}

export function dispatchLabel(state: DispatchState, instruction: LabelInstruction, trigger: boolean): LabelStep {
  const pairs = expandPairs(state, instruction.pairs, "LABEL");
  return { kind: "label", ...stepBase(state, instruction.location, trigger), createdBy: `LABEL ${pairsText(pairs)}`, emptyLayer: true, pairs };
}

function expandPairs(state: DispatchState, pairs: KeyValue[], name: string): KeyValuePair[] {
  return pairs.map((pair) => {
    const key = expandIn(state, { value: pair.key, location: pair.location });
    if (key === "") state.ctx.fail(pair.location, `${name} name ${pair.key} is empty after expansion`);
    return { key, value: expandIn(state, { value: pair.value, location: pair.location }) };
  });
}

function pairsText(pairs: KeyValuePair[]): string {
  return pairs.map((p) => `${p.key}=${p.value}`).join(" ");
}

export function dispatchUser(state: DispatchState, instruction: UserInstruction, trigger: boolean): UserStep {
  const user = expandIn(state, instruction.user);
  return { kind: "user", ...stepBase(state, instruction.location, trigger), createdBy: `USER ${user}`, emptyLayer: true, user };
}

export function dispatchStopsignal(state: DispatchState, instruction: StopsignalInstruction, trigger: boolean): StopsignalStep {
  const signal = expandIn(state, instruction.signal);
  if (!isValidSignal(signal)) {
    state.ctx.fail(instruction.signal.location, `STOPSIGNAL ${JSON.stringify(signal)} is not a signal; use a name like SIGTERM or SIGQUIT, or a number like 15`);
  }
  return { kind: "stopsignal", ...stepBase(state, instruction.location, trigger), createdBy: `STOPSIGNAL ${signal}`, emptyLayer: true, signal };
}

export function dispatchVolume(state: DispatchState, instruction: VolumeInstruction, trigger: boolean): VolumeStep {
  const paths = instruction.paths.map((word) => {
    const path = expandIn(state, word);
    if (path === "") state.ctx.fail(word.location, `VOLUME path ${word.value} is empty after expansion`);
    return path;
  });
  return { kind: "volume", ...stepBase(state, instruction.location, trigger), createdBy: `VOLUME ${goList(paths)}`, emptyLayer: true, paths };
}

export function dispatchHealthcheck(state: DispatchState, instruction: HealthcheckInstruction, trigger: boolean): HealthcheckStep {
  const healthcheck = { ...instruction.healthcheck, Test: [...instruction.healthcheck.Test] };
  return {
    kind: "healthcheck",
    ...stepBase(state, instruction.location, trigger),
    createdBy: `HEALTHCHECK ${goHealthcheck(healthcheck)}`,
    emptyLayer: true,
    healthcheck,
  };
}

export function dispatchOnbuild(state: DispatchState, instruction: OnbuildInstruction, trigger: boolean): OnbuildStep {
  return { kind: "onbuild", ...stepBase(state, instruction.location, trigger), trigger: instruction.trigger };
}

export function dispatchMaintainer(state: DispatchState, instruction: MaintainerInstruction, trigger: boolean): MaintainerStep {
  const maintainer = instruction.maintainer;
  return { kind: "maintainer", ...stepBase(state, instruction.location, trigger), createdBy: `MAINTAINER ${maintainer}`, emptyLayer: true, maintainer };
}
