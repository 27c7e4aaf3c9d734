export interface MetadataExtras {
  /** The warnings the build printed, each once, already free of secrets. */
  warnings?: readonly string[];
  /** The build failed: its message (already free of secrets) and, for an ExpError, its code. */
  error?: { message: string; code?: string };
}

/**
 * The `--metadata-file` content, in buildx's format: the exporters' merged response with every
 * value that is JSON (directly, or base64 of JSON such as `containerimage.descriptor`) decoded
 * into an object, plus
 * - `buildx.build.ref`, as buildx writes it (build/build.go): `<builder>/<node>/<build id>`, here
 *   `exp/exp0/<build id>` (exp has one builder, its content store, with one node);
 * - `exp.build.ref`, the bare build id that `exp history inspect` takes (kept for readers of exp's
 *   earlier files; buildx's history commands also take the id alone);
 * - `exp.build.warnings` (buildx's `buildx.build.warnings`), shaped as BuildKit's VertexWarning
 *   (`level`, `short` as base64, as Go encodes its bytes, so a reader of buildx's file decodes it),
 *   plus `message`, the same text readable;
 * - `exp.build.error` when the build failed: `{ message, code? }` (buildx writes no file then; exp
 *   does, so that a CI step can find the build record and the reason).
 */
export function buildMetadata(response: Readonly<Record<string, string>>, buildId: string, extras: MetadataExtras = {}): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(response)) values[key] = decodeValue(value);
  values["buildx.build.ref"] = buildRef(buildId);
  values["exp.build.ref"] = buildId;
  if (extras.warnings && extras.warnings.length > 0) {
    values["exp.build.warnings"] = extras.warnings.map((message) => ({ level: 1, short: Buffer.from(message).toString("base64"), message }));
  }
  if (extras.error) values["exp.build.error"] = { ...(extras.error.code ? { code: extras.error.code } : {}), message: extras.error.message };
  // Sorted keys, as Go writes a map.
  return Object.fromEntries(Object.keys(values).sort().map((key) => [key, values[key]]));
}

/** exp's builder and node names in `buildx.build.ref`: buildx names a builder's nodes `<builder>0`, `<builder>1`, … */
export const builderName = "exp";
export const nodeName = "exp0";

/** buildx's `buildx.build.ref` for a build id (build/build.go: builder/node/ref). */
export function buildRef(buildId: string): string {
  return `${builderName}/${nodeName}/${buildId}`;
}

function decodeValue(value: string): unknown {
  const direct = jsonStructure(value);
  if (direct !== undefined) return direct;
  if (value.length >= 8 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    const decoded = jsonStructure(Buffer.from(value, "base64").toString("utf8"));
    if (decoded !== undefined) return decoded;
  }
  return value;
}

/** A non-empty JSON object or array, else undefined (as buildx's decodeExporterResponse). */
function jsonStructure(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (Array.isArray(parsed)) return parsed.length > 0 ? parsed : undefined;
    if (typeof parsed === "object" && parsed !== null) return Object.keys(parsed).length > 0 ? parsed : undefined;
  } catch {
    // not JSON: kept as the string it is
  }
  return undefined;
}
