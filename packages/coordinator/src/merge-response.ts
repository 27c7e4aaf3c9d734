/**
 * Merges exporter responses the BuildKit way: a later exporter's key wins, except `image.name`,
 * whose values are joined (testMultipleExporters). Cache exporters contribute only `cache.*` keys.
 */
export function mergeResponses(
  exporterResponses: ReadonlyArray<Readonly<Record<string, string>> | undefined>,
  cacheResponses: ReadonlyArray<Readonly<Record<string, string>> | undefined>,
): Record<string, string> {
  const merged: Record<string, string> = {};
  const names: string[] = [];
  for (const response of exporterResponses) {
    for (const [key, value] of Object.entries(response ?? {})) {
      if (key === "image.name") names.push(...value.split(",").filter((n) => n !== "" && !names.includes(n)));
      else merged[key] = value;
    }
  }
  if (names.length > 0) merged["image.name"] = names.join(",");
  for (const response of cacheResponses) {
    for (const [key, value] of Object.entries(response ?? {})) {
      if (key.startsWith("cache.")) merged[key] = value;
    }
  }
  return merged;
}
