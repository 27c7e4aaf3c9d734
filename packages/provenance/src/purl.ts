import { DOCKER_HUB, parseReference, platformKey, type Platform } from "@exp/oci-spec";
import { goPathEscape, goQueryEscape } from "./go-url.js";

/**
 * An image reference as a package URL, as BuildKit's util/purl RefToPURL writes it (for base
 * images in the materials, and for the subjects of an image's attestations):
 * - the name is docker's familiar one (`alpine`, `user/app`, `ghcr.io/o/app`), its last path
 *   component the purl name and the rest the namespace;
 * - the tag is the version, `latest` when the reference has neither tag nor digest;
 * - a digest becomes the `digest` qualifier, then the platform (normalised, `os/arch[/variant]`)
 *   the `platform` qualifier, in that order.
 * `pkg:docker/alpine@3.20?platform=linux%2Famd64`, `pkg:docker/ghcr.io/o/app?digest=sha256:…`.
 * Throws the reference's InvalidReferenceError.
 */
export function imagePurl(ref: string, platform?: Platform, type: "docker" | "oci" = "docker"): string {
  const parsed = parseReference(ref);
  const path = familiarName(parsed.registry, parsed.repository).split("/");
  const name = path.pop()!;
  let purl = `pkg:${type}/`;
  if (path.length > 0) purl += `${path.map(goQueryEscape).join("/")}/`;
  purl += goQueryEscape(name);
  if (parsed.tag !== undefined) purl += `@${goPathEscape(parsed.tag)}`;
  const qualifiers: string[] = [];
  if (parsed.digest !== undefined) qualifiers.push(`digest=${goPathEscape(parsed.digest)}`);
  if (platform !== undefined) qualifiers.push(`platform=${goPathEscape(platformKey(platform))}`);
  return qualifiers.length > 0 ? `${purl}?${qualifiers.join("&")}` : purl;
}

// docker's FamiliarName: Docker Hub is implied, and so is "library/" for official images.
function familiarName(registry: string, repository: string): string {
  if (registry !== DOCKER_HUB) return `${registry}/${repository}`;
  const rest = repository.startsWith("library/") ? repository.slice("library/".length) : undefined;
  return rest !== undefined && !rest.includes("/") ? rest : repository;
}
