import type { ExposeInstruction, MaintainerInstruction, StopsignalInstruction, UserInstruction, WorkdirInstruction } from "../../ast.js";
import type { ParseContext } from "../context.js";
import type { RawInstruction } from "../read-instructions.js";
import { base, noFlags, singleValue, whitespaceWords } from "./common.js";

export function buildWorkdir(raw: RawInstruction, ctx: ParseContext): WorkdirInstruction {
  return { kind: "workdir", ...base(raw), path: singleValue(raw, ctx, "WORKDIR <path>") };
}

export function buildUser(raw: RawInstruction, ctx: ParseContext): UserInstruction {
  return { kind: "user", ...base(raw), user: singleValue(raw, ctx, "USER <user>[:<group>]") };
}

export function buildStopsignal(raw: RawInstruction, ctx: ParseContext): StopsignalInstruction {
  return { kind: "stopsignal", ...base(raw), signal: singleValue(raw, ctx, "STOPSIGNAL <signal>") };
}

/** Deprecated by Docker in favour of `LABEL org.opencontainers.image.authors=...`; sets the image author. */
export function buildMaintainer(raw: RawInstruction, ctx: ParseContext): MaintainerInstruction {
  const maintainer = singleValue(raw, ctx, "MAINTAINER <name>").value;
  ctx.warn(raw.location, `MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=${JSON.stringify(maintainer)}`, "MaintainerDeprecated");
  return { kind: "maintainer", ...base(raw), maintainer };
}

export function buildExpose(raw: RawInstruction, ctx: ParseContext): ExposeInstruction {
  noFlags(raw, ctx);
  const ports = whitespaceWords(raw);
  if (ports.length === 0) ctx.fail(raw.location, "EXPOSE requires at least one argument: EXPOSE <port>[/<protocol>] ...");
  return { kind: "expose", ...base(raw), ports };
}
