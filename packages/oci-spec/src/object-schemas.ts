import * as v from "valibot";
import { describeIssue } from "./issue-messages.js";
import { show } from "./show-value.js";

// JSON objects as OCI documents need them, on top of valibot's object and record schemas:
// - valibot takes any non-null object, arrays included (`[]` passes as an empty record; upstream
//   calls that intended). zod, and JSON Schema, say an array is not an object, so every object
//   and record here refuses one: `annotations: []` or `config: []` stays an error.
// - valibot reports an absent key by its name ('Expected "layers"'); these say what belongs
//   there, by asking the key's own schema about `undefined` ("missing, expected array",
//   "missing, expected a digest").
// - valibot's loose objects and records skip own keys named "constructor" and "prototype" (a
//   guard against prototype pollution), but JSON may carry them (a Docker label named
//   "constructor"), and a config that is parsed and written back must keep them, as it did with
//   zod. They are validated and put back in their place. "__proto__" stays dropped, as zod
//   dropped it: assigning it would replace the result's prototype.

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const PlainObject = v.custom<Record<string, unknown>>(isPlainObject, (issue) =>
  issue.input === undefined ? "missing, expected object" : `expected object, got ${show(issue.input)}`,
);

function missingKeyMessage(entries: v.ObjectEntries) {
  return (issue: v.BaseIssue<unknown>): string => {
    const last = issue.path?.at(-1);
    const key = last?.origin === "key" ? last.key : undefined;
    const entry = typeof key === "string" && Object.hasOwn(entries, key) ? entries[key] : undefined;
    return (entry && v.safeParse(entry, undefined, { message: describeIssue }).issues?.[0]?.message) ?? describeIssue(issue);
  };
}

const skippedKeys: ReadonlySet<string> = new Set(["constructor", "prototype"]);

/**
 * Runs `schema` (a loose object or a record) and puts back the keys it skipped, validated by
 * `valueSchema` (a record's value) or as they are (a loose object's unknown keys), in the order
 * zod gave: declared entries first, then the input's other keys in input order.
 */
function keepSkippedKeys<S extends v.GenericSchema<Record<string, unknown>, Record<string, unknown>>>(
  schema: S,
  entries: v.ObjectEntries,
  valueSchema: v.GenericSchema | undefined,
) {
  return v.rawTransform<Record<string, unknown>, v.InferOutput<S>>(({ dataset, config, addIssue, NEVER }) => {
    const input = dataset.value;
    // The config carries the caller's message function and abort flags down to the inner parse.
    const inner = config as v.Config<v.BaseIssue<unknown>>;
    const result = v.safeParse(schema, input, inner);
    const issues: v.BaseIssue<unknown>[] = [...(result.issues ?? [])];
    let output = result.output as Record<string, unknown>;
    const skipped = Object.keys(input).filter((key) => skippedKeys.has(key) && !Object.hasOwn(entries, key));
    if (skipped.length > 0) {
      const values = new Map<string, unknown>();
      for (const key of skipped) {
        if (!valueSchema) values.set(key, input[key]);
        else {
          const item = v.safeParse(valueSchema, input[key], inner);
          const at: v.IssuePathItem = { type: "object", origin: "value", input, key, value: input[key] };
          for (const issue of item.issues ?? []) issues.push({ ...issue, path: [at, ...(issue.path ?? [])] });
          values.set(key, item.output);
        }
      }
      // Issues and keys in input order, as if nothing had been skipped.
      const position = new Map(Object.keys(input).map((key, index) => [key, index]));
      const rank = (issue: v.BaseIssue<unknown>) => (valueSchema ? (position.get(String(issue.path?.[0]?.key)) ?? -1) : 0);
      issues.sort((a, b) => rank(a) - rank(b));
      const ordered: Record<string, unknown> = {};
      for (const key of Object.keys(output)) if (Object.hasOwn(entries, key)) ordered[key] = output[key];
      for (const key of Object.keys(input)) if (!Object.hasOwn(entries, key) && key !== "__proto__") ordered[key] = values.has(key) ? values.get(key) : output[key];
      output = ordered;
    }
    if (issues.length === 0) return output as v.InferOutput<S>;
    for (const issue of issues) addIssue({ input: issue.input, expected: issue.expected ?? undefined, received: issue.received, message: issue.message, path: issue.path as [v.IssuePathItem, ...v.IssuePathItem[]] | undefined });
    return NEVER;
  });
}

/** An object whose unknown keys are dropped, so its TypeScript type stays exact. */
export function closedObject<const E extends v.ObjectEntries>(entries: E) {
  return v.pipe(PlainObject, v.object(entries, missingKeyMessage(entries)));
}

/** An object whose unknown keys are kept, for documents that a newer spec or another tool may extend. */
export function openObject<const E extends v.ObjectEntries>(entries: E) {
  return v.pipe(PlainObject, keepSkippedKeys(v.looseObject(entries, missingKeyMessage(entries)), entries, undefined));
}

/** A JSON object used as a map from string keys to `value`. */
export function recordOf<const S extends v.GenericSchema>(value: S) {
  return v.pipe(PlainObject, keepSkippedKeys(v.record(v.string(), value), {}, value));
}
