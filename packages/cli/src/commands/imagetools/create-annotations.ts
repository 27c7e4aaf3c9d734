import { parsePlatform, type Platform } from "@exp/oci-spec";
import { goPlatformKey } from "./go-format.js";
import { ImagetoolsAnnotationError } from "./imagetools-errors.js";

/** Where `imagetools create --annotation` values go. */
export interface CreateAnnotations {
  /** `index:` annotations: on the new index itself. */
  readonly index: ReadonlyMap<string, string>;
  /** `manifest-descriptor[<platform>]:` annotations, unqualified ones first (a platform's own value wins). */
  readonly manifestDescriptor: ReadonlyArray<{ readonly key: string; readonly value: string; readonly platform?: Platform }>;
  readonly size: number;
}

// buildx's annotationTypeRegexp (util/buildflags/export.go): a type, then an optional platform.
const typeAndPlatform = /^([a-z-]+)(?:\[([A-Za-z0-9_/-]+)\])?$/;
const knownTypes = ["manifest", "manifest-descriptor", "index", "index-descriptor"];

/**
 * `--annotation` values read as buildx's ParseAnnotations does (`[type[,type…]:]key=value`, split
 * at the first `=` and then at the first `:`), then held to what its imagetools Combine accepts:
 * `index:` and `manifest-descriptor:` (with an optional `[platform]`, which `index` ignores, as
 * buildx does). A plain `key=value` and `manifest:` are refused as buildx refuses them ("not
 * supported yet": create writes no manifest), and so is `index-descriptor:` ("invalid while
 * creating an image": there is no outer index to hold the descriptor). Checked before any request,
 * also when the result will be a Docker manifest list, which buildx would leave unannotated
 * without a word. Unlike buildx, an empty key is refused.
 */
export function parseCreateAnnotations(values: readonly string[]): CreateAnnotations {
  const index = new Map<string, string>();
  const descriptor = new Map<string, { key: string; value: string; platform?: Platform }>();
  for (const input of values) {
    if (input === "") continue;
    const eq = input.indexOf("=");
    if (eq === -1) throw new ImagetoolsAnnotationError(input, "expected key=value");
    const left = input.slice(0, eq);
    const value = input.slice(eq + 1);
    const colon = left.indexOf(":");
    if (colon === -1) throw new ImagetoolsAnnotationError(input, `"" annotations are not supported yet (a plain key=value annotates manifests, and create writes none)`);
    const key = left.slice(colon + 1);
    if (key === "" || /\s/.test(key)) throw new ImagetoolsAnnotationError(input, key === "" ? "empty key" : `the key ${JSON.stringify(key)} holds white space`);
    for (const part of left.slice(0, colon).split(",")) {
      const match = typeAndPlatform.exec(part);
      if (!match) throw new ImagetoolsAnnotationError(input, `invalid annotation type ${JSON.stringify(part)}, expected type and optional platform in square brackets`);
      const type = match[1]!;
      if (!knownTypes.includes(type)) throw new ImagetoolsAnnotationError(input, `unknown annotation type ${JSON.stringify(type)}`);
      const platform = match[2] === undefined ? undefined : platformOf(input, match[2]);
      if (type === "manifest") throw new ImagetoolsAnnotationError(input, `"manifest" annotations are not supported yet (create writes no manifest)`);
      if (type === "index-descriptor") throw new ImagetoolsAnnotationError(input, `"index-descriptor" annotations are invalid while creating an image (no index holds the new one's descriptor)`);
      if (type === "index") {
        index.set(key, value);
        continue;
      }
      // Unqualified first, so a platform's own value is written over it.
      const id = `${platform ? goPlatformKey(platform) : ""}\u0000${key}`;
      descriptor.delete(id);
      descriptor.set(id, { key, value, ...(platform ? { platform } : {}) });
    }
  }
  const manifestDescriptor = [...descriptor.values()].sort((a, b) => Number(a.platform !== undefined) - Number(b.platform !== undefined));
  return { index, manifestDescriptor, size: index.size + manifestDescriptor.length };
}

function platformOf(input: string, text: string): Platform {
  try {
    return parsePlatform(text);
  } catch (error) {
    throw new ImagetoolsAnnotationError(input, `invalid platform ${JSON.stringify(text)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
