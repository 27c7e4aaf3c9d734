import { DockerfileError } from "../errors.js";
import type { CopyStep } from "../plan/types.js";

/**
 * `--chown=uid[:gid]` with numeric ids (or `root`). Docker also accepts user and group names,
 * looked up in the image's /etc/passwd and /etc/group; exp does not read those yet, so a name is
 * an error that says what to write instead.
 */
export function parseChown(step: CopyStep, file: string): { uid: number; gid: number } | undefined {
  if (step.chown === undefined || step.chown === "") return undefined;
  const [user, group] = step.chown.split(":", 2) as [string, string | undefined];
  const uid = id(user);
  const gid = group === undefined ? uid : id(group);
  if (uid === undefined || gid === undefined) {
    throw new DockerfileError({
      code: "ERR_UNSUPPORTED_INSTRUCTION",
      file,
      location: step.location,
      detail: `--chown=${step.chown}: exp needs numeric ids (e.g. --chown=1000:1000); user and group names would need the image's /etc/passwd`,
    });
  }
  return { uid, gid };
}

function id(text: string): number | undefined {
  if (text === "root") return 0;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** `--chmod=755` (octal). */
export function parseChmod(step: CopyStep, file: string): number | undefined {
  if (step.chmod === undefined || step.chmod === "") return undefined;
  if (!/^[0-7]{3,4}$/.test(step.chmod)) {
    throw new DockerfileError({ code: "ERR_DOCKERFILE_SYNTAX", file, location: step.location, detail: `--chmod=${step.chmod}: expected an octal mode such as 755 or 0644` });
  }
  return Number.parseInt(step.chmod, 8);
}
