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
  const patterns: string[] = [];
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
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

/**
 * Reads `<contextDir>/.dockerignore`; no file means no patterns. The file is read whole: it is a
 * short list of patterns that must all be known before the walk starts.
 */
export async function readDockerignore(contextDir: string, options: { signal?: AbortSignal } = {}): Promise<string[]> {
  throwIfAborted(options.signal, "reading .dockerignore");
  let text: string;
  try {
    text = await readFile(join(contextDir, ".dockerignore"), { encoding: "utf8", ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    throwIfAborted(options.signal, "reading .dockerignore");
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return [];
    const path = join(contextDir, ".dockerignore");
    throw new DockerignoreReadError(path, code === "EISDIR" ? "it is a directory" : (error as Error).message, error);
  }
  return parseDockerignore(text);
}
