import type { ArgInstruction } from "../ast.js";
import { expandIn, stepBase, type DispatchState } from "./dispatch-state.js";
import type { ArgStep } from "./types.js";

/**
 * ARG in a stage (BuildKit's dispatchArg): a build arg wins, then the default (expanded now),
 * and a bare `ARG NAME` imports the global ARG (or platform ARG) of that name. The value joins
 * the stage's variables; without any value the name stays unset. History shows the value used.
 */
export function dispatchArg(state: DispatchState, instruction: ArgInstruction, trigger: boolean): ArgStep {
  const { ctx, scope, globals } = state;
  const args: ArgStep["args"] = [];
  for (const arg of instruction.args) {
    let value: string | undefined;
    if (ctx.hasBuildArg(arg.name)) {
      value = ctx.buildArgs[arg.name];
      ctx.consumedArgs.add(arg.name);
    } else if (arg.value !== undefined) {
      value = expandIn(state, { value: arg.value, location: arg.location });
    } else {
      value = globals.get(arg.name);
    }
    if (value !== undefined) scope.set(arg.name, value);
    args.push(value === undefined ? { name: arg.name } : { name: arg.name, value });
  }
  const createdBy = `ARG ${args.map((a) => (a.value === undefined ? a.name : `${a.name}=${a.value}`)).join(" ")}`;
  return { kind: "arg", ...stepBase(state, instruction.location, trigger), createdBy, emptyLayer: true, args };
}
