// How a value that failed validation is named in an error message, shared by the schemas'
// own messages and by the generic ones of validate.ts so that both read alike.

/** The JSON kind of a value: "null", "array", "string", "object"... */
export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** A short rendering of the offending value: strings quoted and cut, containers by kind only. */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  return String(value);
}
