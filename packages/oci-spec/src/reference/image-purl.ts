import { platformKey } from "../platform.js";
import type { Platform } from "../descriptor.js";
import { goPathEscape, goQueryEscape } from "./go-url-escape.js";
import type { ImageReference } from "./image-reference.js";
import { parseReference } from "./parse-reference.js";

/**
 * An image reference as a package URL, as BuildKit's util/purl RefToPURL writes it (for base
 * images in provenance materials, and for the subjects of an image's attestations):
 * - the name is docker's familiar one (`alpine`, `user/app`, `ghcr.io/o/app`), its last path
 *   component the purl name and the rest the namespace;
 * - the tag is the version, `latest` when the reference has neither tag nor digest (reference.TagNameOnly);
 * - a digest becomes the `digest` qualifier, then the platform (normalised, `os/arch[/variant]`)
 *   the `platform` qualifier, in that order;
 * - escaping is packageurl-go's ToString: namespace and name query-escaped, version and
 *   qualifier values path-escaped, as Go's net/url does it.
 * `pkg:docker/alpine@3.20?platform=linux%2Famd64`, `pkg:docker/ghcr.io/o/app?digest=sha256:…`.
 * `type` "oci" is BuildKit's purl of an image from an OCI layout. Throws InvalidReferenceError.
 */
export function imagePurl(reference: ImageReference | string, platform?: Platform, type: "docker" | "oci" = "docker"): string {
  const parsed = typeof reference === "string" ? parseReference(reference) : reference;
  const suffix = (parsed.tag === undefined ? "" : `:${parsed.tag}`) + (parsed.digest === undefined ? "" : `@${parsed.digest}`);
  const path = parsed.familiar().slice(0, parsed.familiar().length - suffix.length).split("/");
  const name = path.pop()!;
  let purl = `pkg:${type}/`;
  if (path.length > 0) purl += `${path.map(goQueryEscape).join("/")}/`;
  purl += goQueryEscape(name);
  const version = parsed.tag ?? (parsed.digest === undefined ? "latest" : undefined);
  if (version !== undefined) purl += `@${goPathEscape(version)}`;
  const qualifiers: string[] = [];
  if (parsed.digest !== undefined) qualifiers.push(`digest=${goPathEscape(parsed.digest)}`);
  if (platform !== undefined) qualifiers.push(`platform=${goPathEscape(platformKey(platform))}`);
  return qualifiers.length > 0 ? `${purl}?${qualifiers.join("&")}` : purl;
}
