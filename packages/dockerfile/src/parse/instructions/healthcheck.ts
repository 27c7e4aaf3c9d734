import type { Healthcheck, HealthcheckInstruction, Word } from "../../ast.js";
import type { ParseContext } from "../context.js";
import { DurationError, parseGoDuration } from "@exp/solver";
import type { RawInstruction } from "../read-instructions.js";
import { argsLocation, base, flagsOf, noFlags } from "./common.js";
import { commandLine } from "./command.js";

const minimumNanos = 1_000_000n; // Docker's container.MinimumDuration (1ms)
const durationFlags = [
  ["interval", "Interval"],
  ["timeout", "Timeout"],
  ["start-period", "StartPeriod"],
  ["start-interval", "StartInterval"],
] as const;

/** `HEALTHCHECK NONE` or `HEALTHCHECK [--interval=..] CMD <command>`, into Docker's config shape. */
export function buildHealthcheck(raw: RawInstruction, ctx: ParseContext): HealthcheckInstruction {
  const match = /^(\S+)\s*/u.exec(raw.args);
  if (!match) ctx.fail(raw.location, "HEALTHCHECK requires an argument: HEALTHCHECK NONE or HEALTHCHECK [options] CMD <command>");
  const type = match[1]!.toUpperCase();
  const rest = raw.args.slice(match[0].length);
  if (type === "NONE") {
    noFlags(raw, ctx);
    if (rest !== "") ctx.fail(argsLocation(raw, match[0].length), `HEALTHCHECK NONE takes no arguments, not ${JSON.stringify(rest)}`);
    return { kind: "healthcheck", ...base(raw), healthcheck: { Test: ["NONE"] } };
  }
  const flags = flagsOf(raw, { interval: "string", timeout: "string", "start-period": "string", "start-interval": "string", retries: "string" }, ctx);
  if (type !== "CMD") ctx.fail(argsLocation(raw), `unknown HEALTHCHECK type ${JSON.stringify(match[1])}: use HEALTHCHECK CMD <command> or HEALTHCHECK NONE`);
  const command = commandLine(raw, rest, ctx);
  const empty = command.form === "exec" ? command.args.length === 0 : command.command === "";
  if (empty) ctx.fail(argsLocation(raw), "HEALTHCHECK CMD needs a command after CMD");
  const healthcheck: Healthcheck = {
    Test: command.form === "exec" ? ["CMD", ...command.args] : ["CMD-SHELL", command.command],
  };
  for (const [flag, field] of durationFlags) {
    const word = flags.string(flag);
    const nanos = word && word.value !== "" ? duration(flag, word, ctx) : 0;
    if (nanos !== 0) healthcheck[field] = nanos;
  }
  const retries = flags.string("retries");
  if (retries && retries.value !== "") {
    const value = /^[+-]?\d+$/.test(retries.value) ? Number(retries.value) : NaN;
    if (!Number.isSafeInteger(value) || value > 2 ** 31 - 1) ctx.fail(retries.location, `--retries must be a whole number, not ${JSON.stringify(retries.value)}`);
    if (value < 0) ctx.fail(retries.location, `--retries cannot be negative (${value})`);
    if (value !== 0) healthcheck.Retries = value;
  }
  return { kind: "healthcheck", ...base(raw), healthcheck };
}

/** Go duration syntax; 0 means "inherit the default", anything else must be at least 1ms. */
function duration(flag: string, word: Word, ctx: ParseContext): number {
  let nanos: bigint;
  try {
    nanos = parseGoDuration(word.value);
  } catch (error) {
    if (!(error instanceof DurationError)) throw error;
    return ctx.fail(word.location, `--${flag}=${word.value} is not a duration (${error.message}); write it like 30s, 1m30s or 500ms (units ns, us, ms, s, m, h)`);
  }
  if (nanos !== 0n && nanos < minimumNanos) ctx.fail(word.location, `--${flag}=${word.value} is less than the 1ms minimum`);
  if (nanos > BigInt(Number.MAX_SAFE_INTEGER)) ctx.fail(word.location, `--${flag}=${word.value} is too long`);
  return Number(nanos);
}
