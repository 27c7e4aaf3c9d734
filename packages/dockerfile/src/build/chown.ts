import type { ChownSpec } from "@exp/solver";
import { DockerfileError } from "../errors.js";
import { chmodProblem } from "../plan/chmod.js";
import type { CopyStep } from "../plan/types.js";

/**
 * `--chown=user[:group]`: numeric ids (and "root", which BuildKit takes as 0 without a lookup)
 * are taken as they are; names (`node:node`, `:staff`, `app:`) are looked up by the solver in the
 * /etc/passwd and /etc/group of the image the files are copied onto, as BuildKit does.
 */
export function parseChown(step: CopyStep): ChownSpec | undefined {
  if (step.chown === undefined || step.chown === "") return undefined;
  return parseUserSpec(step.chown);
}

/** `user[:group]` as BuildKit's llb.WithUser splits it (for --chown and for USER in WORKDIR). */
export function parseUserSpec(text: string): ChownSpec {
  const colon = text.indexOf(":");
  const user = colon < 0 ? text : text.slice(0, colon);
  const group = colon < 0 ? undefined : text.slice(colon + 1);
  const id = (value: string) => (value === "root" ? 0 : /^\d+$/.test(value) ? Number(value) : undefined);
  const uid = id(user);
  if (uid !== undefined && group === undefined) return { uid, gid: uid };
  const gid = group === undefined ? undefined : id(group);
  if (uid !== undefined && gid !== undefined) return { uid, gid };
  return group === undefined ? { user } : { user, group };
}

/**
 * `--chmod`: an octal mode (`755`, `0644`) as its bits, or a symbolic one (`+x`, `u=rwX,go=rX`,
 * Dockerfile 1.14) as written, which the solver applies to each entry's own mode.
 */
export function parseChmod(step: CopyStep, file: string): number | string | undefined {
  if (step.chmod === undefined || step.chmod === "") return undefined;
  const problem = chmodProblem(step.chmod);
  if (problem) throw new DockerfileError({ code: "ERR_DOCKERFILE_SYNTAX", file, location: step.location, detail: `--chmod=${step.chmod}: ${problem}` });
  return /^[0-7]+$/.test(step.chmod) ? Number.parseInt(step.chmod, 8) : step.chmod;
}
