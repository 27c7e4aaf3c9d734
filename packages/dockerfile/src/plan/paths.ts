import { posix } from "node:path";

/** Go's path.Clean for absolute paths: no `.`, `..`, doubled or trailing slashes. */
export function cleanAbsolute(path: string): string {
  const normalized = posix.normalize(`/${path}`).replace(/^\/+/, "/");
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized;
}

/** WORKDIR: an absolute path as given, a relative one against the current working directory. */
export function resolveWorkdir(current: string, requested: string): string {
  return cleanAbsolute(requested.startsWith("/") ? requested : posix.join(current, requested));
}

/**
 * A COPY/ADD destination as BuildKit resolves it (pathRelativeToWorkingDir): relative to the
 * working directory, cleaned, and ending with "/" when written so or as `.`, which tells the
 * copy to put sources inside it.
 */
export function resolveDestination(workdir: string, dest: string): string {
  const resolved = resolveWorkdir(workdir, dest === "" ? "." : dest);
  const directory = dest === "" || dest === "." || dest.endsWith("/") || dest.endsWith("/.");
  return directory && resolved !== "/" ? `${resolved}/` : resolved;
}
