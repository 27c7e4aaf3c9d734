/** True when `error` is a Node system error with one of the given errno codes. */
export function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && codes.includes(code);
}

/** "Does not exist" is the only failure that may read as "absent": anything else is an error to report. */
export function isNotFound(error: unknown): boolean {
  return hasCode(error, "ENOENT", "ENOTDIR");
}
