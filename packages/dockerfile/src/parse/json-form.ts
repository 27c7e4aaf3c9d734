import type { SourceLocation } from "../source-location.js";
import type { ParseContext } from "./context.js";

export type JsonForm = { json: true; values: string[] } | { json: false };

/** True when the text is a JSON array of strings: the exec form. Never throws. */
export function detectJsonForm(args: string): JsonForm {
  if (!args.trimStart().startsWith("[")) return { json: false };
  try {
    const value: unknown = JSON.parse(args);
    if (Array.isArray(value) && value.every((v): v is string => typeof v === "string")) return { json: true, values: value };
  } catch {
    // Not JSON: shell form.
  }
  return { json: false };
}

// `["`, `['`, `[]` and a lone `[` can only be meant as exec form; `[abc]*.txt` is a glob.
const meantAsJson = /^\[\s*(["'\]]|$)/;

/**
 * The exec form of CMD, ENTRYPOINT, SHELL, VOLUME, COPY, ADD and HEALTHCHECK CMD. Docker quietly
 * runs a broken JSON array through the shell (`/bin/sh -c '["node", "app.js"'`), which fails
 * only when the container starts; exp rejects text that is clearly meant as a JSON array but is
 * not one, and, like Docker, arrays of anything but strings.
 */
export function parseJsonForm(args: string, instruction: string, ctx: ParseContext, location: SourceLocation): JsonForm {
  const text = args.trimStart();
  if (!text.startsWith("[")) return { json: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!meantAsJson.test(text)) return { json: false };
    const reason = error instanceof Error ? error.message : String(error);
    ctx.fail(
      location,
      `${instruction} ${text} looks like an exec-form JSON array but is not valid JSON (${reason}); ` +
        `write ${instruction} ["executable", "arg"] with double quotes and a closing bracket, or drop the brackets for the shell form`,
    );
  }
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) {
    ctx.fail(location, `${instruction} ${text}: when using the JSON array form, every element must be a string`);
  }
  return { json: true, values: value };
}
