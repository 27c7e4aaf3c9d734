import type { PlanContext } from "./plan-context.js";

/**
 * The variables FROM lines see: the automatic platform ARGs, then each ARG before the first FROM
 * in order, a build arg replacing its default (BuildKit's buildMetaArgs). A global ARG without a
 * default or build arg leaves the variable as it was (so `ARG TARGETOS` keeps the platform value).
 */
export function resolveGlobalArgs(ctx: PlanContext, automatic: Map<string, string>): Map<string, string> {
  const globals = new Map(automatic);
  for (const name of automatic.keys()) {
    if (ctx.hasBuildArg(name)) {
      globals.set(name, ctx.buildArgs[name]!);
      ctx.consumedArgs.add(name);
    }
  }
  for (const instruction of ctx.ast.globalArgs) {
    for (const arg of instruction.args) {
      if (ctx.hasBuildArg(arg.name)) {
        globals.set(arg.name, ctx.buildArgs[arg.name]!);
        ctx.consumedArgs.add(arg.name);
      } else if (arg.value !== undefined) {
        globals.set(arg.name, ctx.expand({ value: arg.value, location: arg.location }, (n) => globals.get(n)).result);
      }
    }
  }
  return globals;
}
