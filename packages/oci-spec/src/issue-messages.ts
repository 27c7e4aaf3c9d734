import type * as v from "valibot";
import { show } from "./show-value.js";

// One style for every validation message, whichever schema reported it: what was expected, then
// what was found ("expected string, got 42", "missing, expected array"), so that a message with
// its JSON path is enough to fix the document.

type Issue = v.BaseIssue<unknown>;

/** valibot capitalises the container kinds ("Object", "Array"); JSON calls them object and array. */
function kindName(expected: string): string {
  return expected === "Object" || expected === "Array" ? expected.toLowerCase() : expected;
}

/** What the common checks ask for, as the start of "expected ..., got ...". */
const requirements: Readonly<Record<string, (issue: Issue) => string>> = {
  integer: () => "expected an integer",
  safe_integer: () => "expected a safe integer",
  min_value: (issue) => `too small: expected ${issue.expected}`,
  max_value: (issue) => `too big: expected ${issue.expected}`,
  min_length: (issue) => `too short: expected length ${issue.expected}`,
  max_length: (issue) => `too long: expected length ${issue.expected}`,
  url: () => "expected a URL",
  regex: (issue) => `expected a match for ${String(issue.requirement)}`,
};

const objectTypes: ReadonlySet<string> = new Set(["object", "loose_object", "strict_object", "object_with_rest"]);

/**
 * The message of an issue whose schema or check brings none of its own: pass it to valibot as
 * the config's `message` (`safeParse(schema, input, { message: describeIssue })`).
 */
export function describeIssue(issue: Issue): string {
  const got = `got ${show(issue.input)}`;
  if (issue.kind === "schema") {
    // A plain valibot object reports an absent key by the key's name, not by what belongs there;
    // closedObject and openObject say what does.
    if (objectTypes.has(issue.type) && issue.path?.at(-1)?.origin === "key" && issue.input === undefined) return "missing";
    const expected = issue.expected === null ? "another value" : kindName(issue.expected);
    return issue.input === undefined ? `missing, expected ${expected}` : `expected ${expected}, ${got}`;
  }
  const requirement = requirements[issue.type];
  if (requirement) return `${requirement(issue)}, ${got}`;
  const expected = issue.expected === null ? "" : `: expected ${issue.expected}`;
  return `invalid ${issue.type.replaceAll("_", " ")}${expected}, ${got}`;
}
