import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { DockerignoreReadError } from "./errors.js";
import { cleanPath } from "./paths.js";

/**
 * Parses .dockerignore text the way moby/patternmatcher's ignorefile.ReadAll does:
 * - a UTF-8 BOM on the first line is dropped, and CR before LF;
 * - a line whose first character is `#` is a comment (a `#` after leading spaces is a pattern);
 * - blank lines are skipped, surrounding whitespace trimmed;
 * - each pattern is cleaned (`./a` -> `a`, `a/../b` -> `b`) and a leading `/` removed, keeping `!`.
 * Validation is left to createIgnoreMatcher, as in Docker.
 */
export function parseDockerignore(text: string): string[] {
  return parseDockerignoreLines(text).map((entry) => entry.pattern);
}

/** parseDockerignore, with the 1-based line each pattern came from (for errors that cite it). */
export function parseDockerignoreLines(text: string): Array<{ pattern: string; line: number }> {
  const patterns: Array<{ pattern: string; line: number }> = [];
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index] as string;
    if (index === 0 && line.startsWith("\uFEFF")) line = line.slice(1);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.startsWith("#")) continue;
    let pattern = line.trim();
    if (pattern === "") continue;
    const invert = pattern.startsWith("!");
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    patterns.push({ pattern: invert ? `!${pattern}` : pattern, line: index + 1 });
  }
  return patterns;
}

/**
 * The ignore patterns of a build: `<Dockerfile>.dockerignore` beside the Dockerfile when there is
 * one (`build/app.Dockerfile.dockerignore` for `-f build/app.Dockerfile`), else the context's
 * `.dockerignore`, as BuildKit's front end chooses (frontend/dockerui/config.go: the Dockerfile's
 * own file replaces the context's, it is not merged with it). No file means no patterns.
 */
export async function readDockerignore(contextDir: string, options: { signal?: AbortSignal; dockerfile?: string } = {}): Promise<string[]> {
  return (await readDockerignoreFile(contextDir, options))?.patterns.map((entry) => entry.pattern) ?? [];
}

/** The ignore file readDockerignore chooses, with its path and each pattern's line; undefined when there is none. */
export async function readDockerignoreFile(
  contextDir: string,
  options: { signal?: AbortSignal; dockerfile?: string } = {},
): Promise<{ path: string; patterns: Array<{ pattern: string; line: number }> } | undefined> {
  const candidates = [...(options.dockerfile !== undefined ? [`${options.dockerfile}.dockerignore`] : []), join(contextDir, ".dockerignore")];
  for (const path of candidates) {
    const patterns = await readIgnoreFile(path, options.signal);
    if (patterns !== undefined) return { path, patterns };
  }
  return undefined;
}

/**
 * One ignore file's patterns, or undefined when there is no such file. It is read whole: a short
 * list of patterns that must all be known before the walk starts.
 */
async function readIgnoreFile(path: string, signal: AbortSignal | undefined): Promise<Array<{ pattern: string; line: number }> | undefined> {
  throwIfAborted(signal, `reading ${path}`);
  let text: string;
  try {
    text = await readFile(path, { encoding: "utf8", ...(signal ? { signal } : {}) });
  } catch (error) {
    throwIfAborted(signal, `reading ${path}`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new DockerignoreReadError(path, code === "EISDIR" ? "it is a directory" : (error as Error).message, error);
  }
  return parseDockerignoreLines(text);
}
