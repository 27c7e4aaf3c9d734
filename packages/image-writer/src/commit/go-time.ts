/**
 * A time as Go writes it, so the bytes (and digests) of what exp writes are BuildKit's: JSON
 * `time.Time` is RFC 3339 with the fraction's trailing zeros dropped (time.RFC3339Nano), and
 * exporter/oci/export.go formats index.json's `org.opencontainers.image.created` with
 * time.RFC3339 (no fraction). JavaScript's toISOString always writes milliseconds ("…:20.000Z").
 */
export function goTime(date: Date, layout: "RFC3339" | "RFC3339Nano" = "RFC3339Nano"): string {
  const iso = date.toISOString();
  if (layout === "RFC3339") return iso.replace(/\.\d+Z$/, "Z");
  return iso.replace(/\.?0+Z$/, "Z");
}
