const symbolicClause = "[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+";
const symbolic = new RegExp(`^${symbolicClause}(?:,${symbolicClause})*$`);

/**
 * Why a `--chmod` value is not valid, or undefined when it is: octal up to 07777 (`0755`), or
 * symbolic like `u=rwx,go=rx` / `+x`, as BuildKit accepts.
 */
export function chmodProblem(value: string): string | undefined {
  if (/^[0-7]+$/.test(value)) return parseInt(value, 8) > 0o7777 ? "octal modes go up to 07777" : undefined;
  if (/^\d/.test(value)) return "it should be an octal number between 0 and 07777";
  if (symbolic.test(value)) return undefined;
  return "use an octal mode like 0755 or a symbolic one like u=rwx,go=rx";
}
