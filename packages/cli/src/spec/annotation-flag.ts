import { formatPlatform, parsePlatform } from "@exp/oci-spec";
import { UsageError } from "../errors.js";
import type { Spec } from "./output.js";

/** A `--annotation` value buildx (or BuildKit, later) would refuse or silently drop. */
export class InvalidAnnotationError extends UsageError {
  constructor(value: string, problem: string, options: { cause?: unknown } = {}) {
    super(
      `--annotation ${JSON.stringify(value)}: ${problem}; expected [type[,type…]:]key=value with types manifest, manifest-descriptor, index, index-descriptor, each with an optional [platform] (e.g. manifest[linux/amd64]:com.example.k=v)`,
      "ERR_INVALID_ANNOTATION",
      options,
    );
  }
}

const annotationTypes = ["manifest", "manifest-descriptor", "index", "index-descriptor"] as const;
// buildx's annotationTypeRegexp (util/buildflags/export.go): a type, then an optional platform.
const typeAndPlatform = /^([a-z-]+)(?:\[([A-Za-z0-9_/-]+)\])?$/;

/**
 * `--annotation` values as buildx's ParseAnnotations (util/buildflags/export.go), turned into the
 * exporter attributes BuildKit reads (exptypes.AnnotationKey.String, exporter/containerimage/
 * exptypes/annotations.go), attr → value:
 * - `key=value` (split at the first `=`, then the type list at the first `:`) is `annotation.key`,
 *   which BuildKit puts on the manifest;
 * - `manifest:k=v` is `annotation-manifest.k`, `manifest[linux/amd64]:k=v`
 *   `annotation-manifest[linux/amd64].k` (the platform as containerd's Parse+FormatAll spell it);
 *   the same for manifest-descriptor;
 * - `index:k=v` and `index-descriptor:k=v` are `annotation-index.k` / `annotation-index-descriptor.k`:
 *   String() leaves a platform out for them, an index being for every platform;
 * - `manifest,index:k=v` is one attr per type; a repeated attr keeps the last value (a Go map).
 * Unlike buildx, a key that is empty or holds white space is refused: BuildKit's attr pattern
 * (`\.(\S+)$`) would not read it as an annotation, and the value would be dropped without a word.
 */
export function parseAnnotationFlags(values: readonly string[]): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const input of values) {
    if (input === "") continue;
    const eq = input.indexOf("=");
    if (eq === -1) throw new InvalidAnnotationError(input, "no =");
    const left = input.slice(0, eq);
    const value = input.slice(eq + 1);
    const colon = left.indexOf(":");
    const key = colon === -1 ? left : left.slice(colon + 1);
    if (key === "" || /\s/.test(key)) throw new InvalidAnnotationError(input, key === "" ? "empty key" : `the key ${JSON.stringify(key)} holds white space`);
    if (colon === -1) {
      attrs.set(`annotation.${key}`, value);
      continue;
    }
    for (const part of left.slice(0, colon).split(",")) attrs.set(`${attrPrefix(input, part)}.${key}`, value);
  }
  return attrs;
}

function attrPrefix(input: string, part: string): string {
  const match = typeAndPlatform.exec(part);
  if (!match) throw new InvalidAnnotationError(input, `invalid annotation type ${JSON.stringify(part)} (a type and an optional platform in square brackets)`);
  const type = match[1]!;
  if (!(annotationTypes as readonly string[]).includes(type)) throw new InvalidAnnotationError(input, `unknown annotation type ${JSON.stringify(type)}`);
  if (type === "index" || type === "index-descriptor" || match[2] === undefined) return `annotation-${type}`;
  let platform: string;
  try {
    platform = formatPlatform(parsePlatform(match[2]));
  } catch (error) {
    throw new InvalidAnnotationError(input, `invalid platform ${JSON.stringify(match[2])}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return `annotation-${type}[${platform}]`;
}

/** The output types that write an image, and so take annotations (spec/output.ts's image-like types). */
const annotatedTypes: readonly string[] = ["image", "registry", "oci", "docker"];

/**
 * Adds the `--annotation` attrs to every image output, as buildx adds them to every output
 * (commands/build.go RunBuild: `o.Attrs[k.String()] = v`): a `-o` attr spelled the same is
 * replaced by the flag's value. (BuildKit's local and tar exporters ignore them; exp's refuse
 * attrs they do not know, so those outputs get none.) Returns how many outputs took them.
 */
export function addAnnotations(outputs: Spec[], annotations: ReadonlyMap<string, string>): number {
  if (annotations.size === 0) return 0;
  let annotated = 0;
  for (const output of outputs) {
    if (!annotatedTypes.includes(output.type)) continue;
    for (const [attr, value] of annotations) output.attrs[attr] = value;
    annotated++;
  }
  return annotated;
}

/** commander's collector for `--annotation` (repeatable), checked as each value is read. */
export function collectAnnotation(value: string, previous: string[] | undefined): string[] {
  parseAnnotationFlags([value]);
  return [...(previous ?? []), value];
}
