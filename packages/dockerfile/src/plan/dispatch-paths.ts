import type { ExposeInstruction, WorkdirInstruction } from "../ast.js";
import { splitWords } from "../expand/expand-word.js";
import { expandIn, stepBase, type DispatchState } from "./dispatch-state.js";
import { goList } from "./go-format.js";
import { resolveWorkdir } from "./paths.js";
import { parsePortSpec, PortSpecError } from "./ports.js";
import type { ExposeStep, WorkdirStep } from "./types.js";

/** Key in StageScope.warned: warn about the unknown base WORKDIR once per stage. */
export const unknownWorkdirKey = "\0workdir";

/** WORKDIR resolves a relative path against the previous one; BuildKit creates it (a layer) unless it is `/`. */
export function dispatchWorkdir(state: DispatchState, instruction: WorkdirInstruction, trigger: boolean): WorkdirStep {
  const { scope, ctx } = state;
  const requested = expandIn(state, instruction.path);
  if (requested === "") ctx.fail(instruction.path.location, `WORKDIR ${instruction.path.value} is empty after expansion`);
  const relative = !requested.startsWith("/");
  if (relative && !scope.workdirKnown && !scope.warned.has(unknownWorkdirKey)) {
    scope.warned.add(unknownWorkdirKey);
    ctx.warn(
      instruction.path.location,
      `WORKDIR ${requested} is relative and the WORKDIR of base image "${scope.unknownBase}" is unknown, so it is taken as /; pass the image's config in imageConfigs`,
    );
  }
  if (!relative) scope.workdirKnown = true;
  const path = resolveWorkdir(scope.workdir, requested);
  scope.workdir = path;
  return { kind: "workdir", ...stepBase(state, instruction.location, trigger), createdBy: `WORKDIR ${path}`, emptyLayer: path === "/", path };
}

/**
 * EXPOSE: each word is expanded and split like shell words, then normalized to `port/proto`
 * (ranges expanded). BuildKit sorts the words as written first; history shows the result.
 */
export function dispatchExpose(state: DispatchState, instruction: ExposeInstruction, trigger: boolean): ExposeStep {
  const { ctx, scope } = state;
  const words = [...instruction.ports].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const ports: string[] = [];
  for (const word of words) {
    expandIn(state, word); // for its warnings; splitWords below gives the words
    for (const spec of splitWords(word.value, scope.lookup, { escape: ctx.escape, fileName: ctx.file, location: word.location })) {
      try {
        ports.push(...parsePortSpec(spec));
      } catch (error) {
        if (!(error instanceof PortSpecError)) throw error;
        ctx.fail(word.location, `invalid EXPOSE port ${JSON.stringify(spec)}: ${error.message}; write <port>[/<protocol>], e.g. 80/tcp or 53/udp`);
      }
    }
  }
  return { kind: "expose", ...stepBase(state, instruction.location, trigger), createdBy: `EXPOSE ${goList(ports)}`, emptyLayer: true, ports };
}
