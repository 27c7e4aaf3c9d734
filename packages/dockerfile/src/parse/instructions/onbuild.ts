import type { OnbuildInstruction } from "../../ast.js";
import type { ParseContext } from "../context.js";
import type { RawInstruction } from "../read-instructions.js";
import { splitCommand } from "../split-command.js";
import { argsLocation, base, noFlags } from "./common.js";

const forbiddenTriggers = new Set(["ONBUILD", "FROM", "MAINTAINER"]);

/**
 * `ONBUILD <instruction>`: kept as text, the way Docker stores it in the image config, with
 * heredoc bodies appended. Like Docker, the trigger is only checked when it runs.
 */
export function buildOnbuild(raw: RawInstruction, ctx: ParseContext): OnbuildInstruction {
  noFlags(raw, ctx);
  const sub = splitCommand(raw.args);
  if (!sub) ctx.fail(raw.location, "ONBUILD requires an instruction to run later: ONBUILD <instruction>");
  const triggerKeyword = sub.keyword.toUpperCase();
  if (triggerKeyword === "ONBUILD") ctx.fail(argsLocation(raw), "chaining ONBUILD via ONBUILD ONBUILD is not allowed");
  if (forbiddenTriggers.has(triggerKeyword)) ctx.fail(argsLocation(raw), `${triggerKeyword} is not allowed as an ONBUILD trigger`);
  let trigger = raw.line.text.replace(/^\s*ONBUILD\s*/iu, "");
  for (const heredoc of raw.heredocs) trigger += `\n${heredoc.rawContent}${heredoc.name}`;
  return { kind: "onbuild", ...base(raw), trigger, triggerKeyword };
}
