import { ExpError } from "@exp/errors";
import { goFormatFloat } from "./go-format.js";
import { goMarshalIndent } from "./go-json.js";
import { goInt, goString, type GoType, type TypedValue } from "./go-types.js";
import type { Expr, TemplateNode } from "./template-parse.js";

/** A `--format` template that fails on this image (a field that does not exist, a nil value, a value it cannot print). */
export class TemplateExecError extends ExpError {
  constructor(source: string, problem: string) {
    super("ERR_IMAGETOOLS_FORMAT_FAILED", `--format: ${source}: ${problem}`);
  }
}

/** A map key or interface{} field that is not there: printed `<no value>` as Go prints it, null in JSON. */
const missing = Symbol("missing");
type Value = TypedValue | typeof missing;

/** Runs a parsed template on a typed value, as text/template would print it. */
export async function executeTemplate(nodes: readonly TemplateNode[], input: TypedValue): Promise<string> {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else out += printValue(node.source, await evaluate(node.source, node.expr, input));
  }
  return out;
}

async function evaluate(source: string, expr: Expr, dot: TypedValue): Promise<Value> {
  switch (expr.kind) {
    case "literal":
      return typeof expr.value === "number" ? { type: goInt, value: expr.value } : { type: goString, value: expr.value };
    case "field": {
      let value: Value = expr.of ? await evaluate(source, expr.of, dot) : dot;
      const path: string[] = [];
      for (const name of expr.fields) {
        path.push(name);
        value = await field(source, value, name, `.${path.join(".")}`);
      }
      return value;
    }
    case "call": {
      const args: Value[] = [];
      for (const arg of expr.args) args.push(await evaluate(source, arg, dot));
      if (expr.fn === "json") return { type: goString, value: args[0] === missing ? "null" : goMarshalIndent(args[0]!) };
      let value = args[0]!;
      for (const key of args.slice(1)) value = index(source, value, key);
      return value;
    }
  }
}

/** Through pointers and interfaces to the value they hold; a nil one stops a field lookup. */
function deref(source: string, value: TypedValue, what: string): TypedValue {
  let current = value;
  for (;;) {
    if (current.type.kind === "ptr") {
      if (current.value === null) throw new TemplateExecError(source, `nil pointer evaluating ${what}`);
      current = { type: current.type.elem, value: current.value };
    } else if (current.type.kind === "iface") {
      if (current.value === null) throw new TemplateExecError(source, `nil value evaluating ${what}`);
      current = current.value as TypedValue;
    } else {
      return current;
    }
  }
}

async function field(source: string, value: Value, name: string, what: string): Promise<Value> {
  if (value === missing) return missing;
  const target = deref(source, value, what);
  const type = target.type;
  if (type.kind === "struct") {
    const f = type.fields.find((candidate) => candidate.name === name);
    if (!f) throw new TemplateExecError(source, `can't evaluate field ${name} in type ${type.name} (it has ${type.fields.map((c) => c.name).join(", ")})`);
    const record = target.value as Record<string, unknown>;
    if (f.method) return (record[f.name] as () => Promise<TypedValue>)();
    return { type: f.type, value: record[f.name] };
  }
  if (type.kind === "map") {
    const map = target.value as Map<string, unknown> | null;
    return map?.has(name) ? { type: type.elem, value: map.get(name) } : missing;
  }
  if (type.kind === "any" && isObject(target.value)) {
    return Object.hasOwn(target.value, name) ? { type, value: target.value[name] } : missing;
  }
  throw new TemplateExecError(source, `can't evaluate field ${name} in ${describeType(type, target.value)}`);
}

function index(source: string, value: Value, key: Value): Value {
  if (value === missing) throw new TemplateExecError(source, "index of a value that is not there");
  if (key === missing) throw new TemplateExecError(source, "index with a key that is not there");
  const target = deref(source, value, "index");
  const k = key.value;
  if (target.type.kind === "map" && typeof k === "string") {
    const map = target.value as Map<string, unknown> | null;
    // Go's index gives the element type's zero value for a key the map lacks: nil here.
    return { type: target.type.elem, value: map?.has(k) ? map.get(k) : zeroOf(target.type.elem) };
  }
  if (target.type.kind === "any" && isObject(target.value) && typeof k === "string") return { type: target.type, value: Object.hasOwn(target.value, k) ? target.value[k] : null };
  const list = target.type.kind === "slice" ? (target.value as unknown[] | null) ?? [] : target.type.kind === "any" && Array.isArray(target.value) ? target.value : undefined;
  if (list && typeof k === "number") {
    if (k < 0 || k >= list.length) throw new TemplateExecError(source, `index out of range: ${k} (length ${list.length})`);
    return { type: target.type.kind === "slice" ? target.type.elem : target.type, value: list[k] };
  }
  throw new TemplateExecError(source, `can't index ${describeType(target.type, target.value)} with ${typeof k === "number" ? k : JSON.stringify(k)}`);
}

function zeroOf(type: GoType): unknown {
  return type.kind === "string" ? "" : type.kind === "int" ? 0 : type.kind === "bool" ? false : null;
}

/** What `{{X}}` prints: Go's %v of a string, number, boolean, time or nil; anything larger needs json. */
function printValue(source: string, value: Value): string {
  if (value === missing) return "<no value>";
  const { type, value: v } = value;
  switch (type.kind) {
    case "string":
    case "bytes":
      return (v as string | null) ?? "";
    case "int":
      return String(v);
    case "bool":
      return v ? "true" : "false";
    case "time":
      return goTimeString(v as string);
    case "ptr":
      return v === null ? "<nil>" : printValue(source, { type: type.elem, value: v });
    case "iface":
      return v === null ? "<nil>" : printValue(source, v as TypedValue);
    case "any":
      if (v === null) return "<nil>";
      if (typeof v === "string") return v;
      if (typeof v === "number") return goFormatFloat(v);
      if (typeof v === "boolean") return v ? "true" : "false";
      break;
    default:
      break;
  }
  throw new TemplateExecError(source, `exp prints only strings, numbers, booleans and times as text, and this is ${describeType(type, v)}; use {{json …}} for it`);
}

/** time.Time's String(): `2006-01-02 15:04:05.999999999 -0700 MST`, the zone named UTC or by its offset. */
function goTimeString(rfc3339: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T([\d:.]+)(Z|([+-]\d{2}):(\d{2}))$/.exec(rfc3339);
  if (!match) return rfc3339;
  if (match[3] === "Z") return `${match[1]} ${match[2]} +0000 UTC`;
  const offset = `${match[4]}${match[5]}`;
  return `${match[1]} ${match[2]} ${offset} ${offset}`;
}

function describeType(type: GoType, value: unknown): string {
  switch (type.kind) {
    case "struct":
      return `a ${type.name}`;
    case "slice":
      return "a list";
    case "map":
      return "a map";
    case "any":
      return Array.isArray(value) ? "a list" : isObject(value) ? "an object" : `a ${typeof value}`;
    default:
      return `a ${type.kind}`;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
