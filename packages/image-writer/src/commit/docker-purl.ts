import { platformKey, type ImageReference, type Platform } from "@exp/oci-spec";

/**
 * An image name as a package URL, as BuildKit's purl.RefToPURL (util/purl/image.go) writes it for
 * attestation subjects: `pkg:docker/<namespace>/<name>@<tag>?platform=<os>%2F<arch>`, the name in
 * docker's familiar form (Docker Hub and `library/` implied), a name with a digest qualified by
 * `digest=` instead of a tag, the platform normalised. Escaping follows packageurl-go's ToString:
 * namespace segments and the name query-escaped, the version and qualifier values path-escaped.
 */
export function dockerPurl(reference: ImageReference, platform?: Platform): string {
  const suffix = (reference.tag === undefined ? "" : `:${reference.tag}`) + (reference.digest === undefined ? "" : `@${reference.digest}`);
  const familiar = reference.familiar().slice(0, reference.familiar().length - suffix.length);
  const parts = familiar.split("/");
  const name = parts.pop()!;
  const namespace = parts.map(queryEscape).join("/");
  const qualifiers: string[] = [];
  // reference.TagNameOnly adds `latest` only to a name with neither tag nor digest.
  const version = reference.tag ?? (reference.digest === undefined ? "latest" : "");
  if (reference.digest !== undefined) qualifiers.push(`digest=${pathEscape(reference.digest)}`);
  if (platform) qualifiers.push(`platform=${pathEscape(platformKey(platform))}`);
  return `pkg:docker/${namespace ? `${namespace}/` : ""}${queryEscape(name)}${version ? `@${pathEscape(version)}` : ""}${qualifiers.length > 0 ? `?${qualifiers.join("&")}` : ""}`;
}

/** Go's url.QueryEscape: everything but letters, digits and `-_.~` escaped (a space would be `+`; names have none). */
function queryEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Go's url.PathEscape: as QueryEscape, but `:@&=+$` stay as they are (and a space is `%20`). */
function pathEscape(text: string): string {
  return queryEscape(text).replace(/%(3A|40|26|3D|2B|24)/g, (escaped) => decodeURIComponent(escaped));
}
