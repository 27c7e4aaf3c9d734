/**
 * The `--metadata-file` content, in buildx's format: the exporters' merged response with every
 * value that is JSON (directly, or base64 of JSON such as `containerimage.descriptor`) decoded
 * into an object, plus `exp.build.ref` (buildx writes `buildx.build.ref`), the build id that
 * `exp history inspect` takes.
 */
export function buildMetadata(response: Readonly<Record<string, string>>, buildId: string): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(response)) values[key] = decodeValue(value);
  values["exp.build.ref"] = buildId;
  // Sorted keys, as Go writes a map.
  return Object.fromEntries(Object.keys(values).sort().map((key) => [key, values[key]]));
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
