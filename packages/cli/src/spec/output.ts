import { SpecError, parseCsvSpec, shown } from "./csv.js";
import { builtinOutputTypes, checkSpecType } from "./spec-type.js";

export { builtinOutputTypes };

/** One `--output` (or `--cache-to` / `--cache-from`) after parsing: its type and the other attributes. */
export interface Spec {
  type: string;
  /** Every key except `type`, as the exporter's `resolve()` receives them. */
  attrs: Record<string, string>;
}


/** Types whose `name=` the `-t` names fill, as in buildx. */
export const imageLikeTypes: readonly string[] = ["image", "registry", "oci", "docker"];

/**
 * Parses one `-o/--output` value as buildx does:
 * - `type=<type>,key=value,...` (CSV; quote a field to put commas in a value);
 * - a bare path (no `=`) is `type=local,dest=<path>`; `-` alone is `type=tar,dest=-` (stdout);
 * - a type that is a typo of a built-in one, or no package name at all, is refused (checkSpecType);
 * - `type=registry` is kept: @exp/exporter-image's registry exporter is the image exporter with
 *   push=true and store=false (buildx's `--push` is `--output type=registry`).
 */
export function parseOutputSpec(spec: string): Spec {
  if (spec.trim() === "") throw new SpecError("empty --output value");
  if (spec === "-") return { type: "tar", attrs: { dest: "-" } };
  if (!spec.includes("=") && !spec.startsWith('"')) return { type: "local", attrs: { dest: spec } };
  const { type, ...attrs } = parseCsvSpec(spec);
  if (type === undefined || type.trim() === "") throw new SpecError(`${shown(spec)}: type is required for an output (e.g. type=local,dest=out)`);
  checkSpecType(type.trim(), "-o");
  return { type: type.trim(), attrs };
}

/**
 * Parses one `--cache-to` / `--cache-from` value as buildx does: CSV with a required `type`, or
 * a bare reference (no `=`), which is `type=registry,ref=<value>`.
 */
export function parseCacheSpec(spec: string, flag: "--cache-to" | "--cache-from" = "--cache-to"): Spec {
  if (spec.trim() === "") throw new SpecError(`empty ${flag} value`);
  if (!spec.includes("=") && !spec.startsWith('"')) return { type: "registry", attrs: { ref: spec } };
  const { type, ...attrs } = parseCsvSpec(spec);
  if (type === undefined || type.trim() === "") throw new SpecError(`${shown(spec)}: type is required for ${flag} (e.g. type=registry,ref=host/repo:cache)`);
  checkSpecType(type.trim(), flag);
  return { type: type.trim(), attrs };
}

export interface OutputPlanInput {
  /** Parsed `-o` values, in order. */
  outputs: readonly Spec[];
  /** `-t` names. */
  tags: readonly string[];
  /** `--push`. */
  push: boolean;
}

/**
 * Applies buildx's rules that tie `-o`, `-t` and `--push` together:
 * - `--push` sets `push=true` on every image output, or adds `type=registry` when there is none
 *   (buildx: "--push is a shorthand for --output=type=registry");
 * - with no output at all, the default is `type=image` (kept in exp's store, as buildx's default
 *   keeps it in the builder);
 * - the `-t` names fill `name=` of every image-like output (image, oci, docker) that has none.
 */
export function planOutputs(input: OutputPlanInput): Spec[] {
  const outputs = input.outputs.map((o) => ({ type: o.type, attrs: { ...o.attrs } }));
  if (input.push) {
    const images = outputs.filter((o) => o.type === "image" || o.type === "registry");
    for (const image of images) image.attrs.push = "true";
    if (images.length === 0) outputs.push({ type: "registry", attrs: {} });
  }
  if (outputs.length === 0) outputs.push({ type: "image", attrs: {} });
  if (input.tags.length > 0) {
    for (const output of outputs) {
      if (imageLikeTypes.includes(output.type) && !Object.hasOwn(output.attrs, "name")) output.attrs.name = input.tags.join(",");
    }
  }
  return outputs;
}
