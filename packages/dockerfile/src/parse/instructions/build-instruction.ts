import { didYouMean } from "@exp/errors";
import type { Instruction } from "../../ast.js";
import type { ParseContext } from "../context.js";
import type { RawInstruction } from "../read-instructions.js";
import { buildArg } from "./arg.js";
import { buildCmd, buildEntrypoint, buildRun, buildShell } from "./command.js";
import { buildAdd, buildCopy } from "./copy.js";
import { buildFrom } from "./from.js";
import { buildHealthcheck } from "./healthcheck.js";
import { buildEnv, buildLabel } from "./key-value.js";
import { buildOnbuild } from "./onbuild.js";
import { buildExpose, buildMaintainer, buildStopsignal, buildUser, buildWorkdir } from "./simple.js";
import { buildVolume } from "./volume.js";

type Builder = (raw: RawInstruction, ctx: ParseContext) => Instruction;

const builders: Readonly<Record<string, Builder>> = {
  add: buildAdd,
  arg: buildArg,
  cmd: buildCmd,
  copy: buildCopy,
  entrypoint: buildEntrypoint,
  env: buildEnv,
  expose: buildExpose,
  from: buildFrom,
  healthcheck: buildHealthcheck,
  label: buildLabel,
  maintainer: buildMaintainer,
  onbuild: buildOnbuild,
  run: buildRun,
  shell: buildShell,
  stopsignal: buildStopsignal,
  user: buildUser,
  volume: buildVolume,
  workdir: buildWorkdir,
};

/** Every instruction name Docker knows, upper-cased, for suggestions. */
export const instructionNames: readonly string[] = Object.keys(builders).map((name) => name.toUpperCase());

/** Interprets one raw instruction; an unknown name gets ERR_UNKNOWN_INSTRUCTION with a suggestion. */
export function buildInstruction(raw: RawInstruction, ctx: ParseContext): Instruction {
  const builder = Object.hasOwn(builders, raw.name) ? builders[raw.name] : undefined;
  if (!builder) {
    const upper = raw.keyword.toUpperCase();
    const suggestion = didYouMean(upper, instructionNames);
    ctx.fail(
      raw.location,
      suggestion
        ? `unknown instruction: ${upper} (did you mean ${suggestion}?)`
        : `unknown instruction: ${upper}; Dockerfile instructions are ${[...instructionNames].sort().join(", ")}`,
      "ERR_UNKNOWN_INSTRUCTION",
    );
  }
  return builder(raw, ctx);
}
