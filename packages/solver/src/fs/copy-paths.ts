import { CopyOutsideContextError } from "./errors.js";
import { cleanPath } from "./paths.js";

/**
 * A COPY source as a clean path relative to the source root ("" is the root). BuildKit joins every
 * source onto "/", so "/a" and "a" are the same; a source that climbs above the root ("../x") is
 * refused (BuildKit silently clamps it to "/x", which hides a mistake in the Dockerfile).
 */
export function sourceRelativePath(source: string): string {
  const clean = cleanPath(source.replace(/^\/+/, ""));
  if (clean === ".." || clean.startsWith("../")) throw new CopyOutsideContextError(source);
  return clean === "." ? "" : clean;
}

/** A COPY destination resolved against WORKDIR. */
export interface CopyDestination {
  /** Absolute, clean: "/app". */
  path: string;
  /** The Dockerfile spelled it as a directory: ends with "/", or is "." or "" (as dockerfile2llb decides). */
  dirSyntax: boolean;
}

export function resolveDestination(dest: string, workdir: string): CopyDestination {
  const dirSyntax = dest === "" || dest === "." || dest.endsWith("/");
  const base = cleanPath("/" + workdir);
  const path = cleanPath(dest.startsWith("/") ? dest : `${base}/${dest}`);
  return { path, dirSyntax: dirSyntax || path === "/" };
}

/** Joins an absolute image directory and a relative path. */
export function imagePath(dir: string, rel: string): string {
  if (rel === "") return dir;
  return dir === "/" ? `/${rel}` : `${dir}/${rel}`;
}
