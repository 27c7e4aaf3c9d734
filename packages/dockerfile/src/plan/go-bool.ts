/** Go's strconv.ParseBool, which BuildKit uses for its boolean build args and options; undefined for anything else. */
export function parseGoBool(value: string): boolean | undefined {
  if (goTrue.has(value)) return true;
  if (goFalse.has(value)) return false;
  return undefined;
}

const goTrue = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const goFalse = new Set(["0", "f", "F", "FALSE", "false", "False"]);
