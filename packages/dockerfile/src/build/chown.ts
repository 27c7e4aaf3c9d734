import type { ChownSpec } from "@exp/solver";
import { DockerfileError } from "../errors.js";
import type { CopyStep } from "../plan/types.js";

/**
 * `--chown=user[:group]`: numeric ids are taken as they are; names (`node:node`) are looked up by
 * the solver in the /etc/passwd and /etc/group of the image the files are copied onto, as BuildKit does.
 */
export function parseChown(step: CopyStep): ChownSpec | undefined {
  if (step.chown === undefined || step.chown === "") return undefined;
  const [user, group] = step.chown.split(":", 2) as [string, string | undefined];
  const numeric = (value: string) => (/^\d+$/.test(value) ? Number(value) : undefined);
  const uid = numeric(user);
  const gid = group === undefined ? uid : numeric(group);
  if (uid !== undefined && gid !== undefined) return { uid, gid };
  return group === undefined ? { user } : { user, group };
}

/** `--chmod=755` (octal). */
export function parseChmod(step: CopyStep, file: string): number | undefined {
  if (step.chmod === undefined || step.chmod === "") return undefined;
  if (!/^[0-7]{3,4}$/.test(step.chmod)) {
    throw new DockerfileError({ code: "ERR_DOCKERFILE_SYNTAX", file, location: step.location, detail: `--chmod=${step.chmod}: expected an octal mode such as 755 or 0644` });
  }
  return Number.parseInt(step.chmod, 8);
}
