import { isLintRuleName } from "./rules.js";
import { parseGoBool } from "../plan/go-bool.js";

/** What `# check=` or the BUILDKIT_DOCKERFILE_CHECK build arg asks of the linter. */
export interface CheckOptions {
  /** `skip=all`: no rule reports. */
  skipAll: boolean;
  /** Rule names as written; a name that is no rule matches nothing (see `unknownRules`). */
  skip: ReadonlySet<string>;
  /** `experimental=all`. */
  experimentalAll: boolean;
  experimental: ReadonlySet<string>;
  /** `error=true`: a reported rule fails the build. */
  error: boolean;
}

export const defaultCheckOptions: CheckOptions = { skipAll: false, skip: new Set(), experimentalAll: false, experimental: new Set(), error: false };

/** A bad check value; the caller adds where it was written. */
export class CheckOptionsProblem extends Error {}

/**
 * BuildKit's linter.ParseLintOptions (frontend/dockerfile/linter/linter.go): up to three
 * `;`-separated `key=value` parts, keys `skip`, `experimental` (a comma list or `all`) and
 * `error` (Go's strconv.ParseBool); a later part overrides an earlier one of the same key. A
 * rule name BuildKit does not know is kept and simply matches no rule, as in BuildKit (its
 * Linter only looks names up); `unknownRules` lists them so the planner can warn about a typo.
 */
export function parseCheckOptions(value: string): CheckOptions {
  const text = value.trim();
  if (text === "") return defaultCheckOptions;
  let options: CheckOptions = { ...defaultCheckOptions };
  // SplitN(..., 3): a fourth part stays inside the third, whose value then fails to parse.
  const parts = splitN(text, ";", 3);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) throw new CheckOptionsProblem(`invalid check option ${JSON.stringify(part)}: write skip=<rules>|all, experimental=<rules>|all or error=true|false, separated by ";"`);
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1);
    switch (key) {
      case "skip": {
        const rules = ruleList(raw);
        options = rules === "all" ? { ...options, skipAll: true } : { ...options, skip: rules };
        break;
      }
      case "experimental": {
        const rules = ruleList(raw);
        options = rules === "all" ? { ...options, experimentalAll: true } : { ...options, experimental: rules };
        break;
      }
      case "error":
        options = { ...options, error: parseErrorOption(raw.trim(), part) };
        break;
      default:
        throw new CheckOptionsProblem(`invalid check option ${JSON.stringify(key)}: the options are skip, experimental and error`);
    }
  }
  return options;
}

/** The names in `skip=` and `experimental=` that are no BuildKit rule: they change nothing. */
export function unknownRules(options: CheckOptions): string[] {
  return [...options.skip, ...options.experimental].filter((name) => !isLintRuleName(name));
}

function ruleList(raw: string): ReadonlySet<string> | "all" {
  const value = raw.trim();
  if (value === "all") return "all";
  const rules = new Set<string>();
  for (const name of value.split(",").map((r) => r.trim())) {
    if (name === "") continue; // `skip=` or `skip=A,,B`: BuildKit keeps an empty name, which matches no rule
    rules.add(name);
  }
  return rules;
}

/** error= as BuildKit reads it, with Go's strconv.ParseBool. */
function parseErrorOption(value: string, part: string): boolean {
  const bool = parseGoBool(value);
  if (bool === undefined) throw new CheckOptionsProblem(`invalid check option ${JSON.stringify(part)}: error= takes true or false`);
  return bool;
}

function splitN(text: string, separator: string, n: number): string[] {
  const parts = text.split(separator);
  if (parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(separator)];
}
