import type * as v from "valibot";

// valibot's issues as DocumentIssues: a JavaScript-style path and the issue's message.

/** One problem in a document: where (a JSON path such as `layers[1].digest`, "" for the root) and what. */
export interface DocumentIssue {
  readonly path: string;
  readonly message: string;
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/** JavaScript-style path: `layers[1].digest`, and `config["os.version"]` for keys that need quoting. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && identifier.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The keys of an issue's path, root first: object keys are strings, array indexes numbers. */
export function issueKeys(issue: v.BaseIssue<unknown>): PropertyKey[] {
  return (issue.path ?? []).map((item) => item.key as PropertyKey);
}

export function documentIssues(issues: readonly v.BaseIssue<unknown>[]): DocumentIssue[] {
  return issues.map((issue) => ({ path: formatJsonPath(issueKeys(issue)), message: issue.message }));
}
