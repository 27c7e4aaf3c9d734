import { parseReference, type Platform } from "@exp/oci-spec";
import { commitDigestSet, digestSetOf, type DigestSet } from "./digest-set.js";
import { ProvenanceInputError } from "./errors.js";
import { compareGoStrings } from "./go-json.js";
import type { ResolvedMaterials } from "./input.js";
import { imagePurl } from "./purl.js";
import { redactUrl } from "./redact.js";

/** One entry of `materials` (v0.2) / `resolvedDependencies` (v1): `uri`, then `digest` when known. */
export interface Material {
  uri: string;
  digest?: DigestSet;
}

interface Image {
  ref: string;
  platform: Platform | undefined;
  local: boolean;
  digest: DigestSet | undefined;
}

/**
 * The materials in BuildKit's order (provenance slsaMaterials after Capture.Sort and
 * OptimizeImageSources): images sorted by normalised reference, then Git sources and HTTP
 * downloads, each sorted by (redacted) URL, duplicates dropped as Capture.Add* drops them.
 */
export function materialsOf(input: ResolvedMaterials | undefined): Material[] {
  const images = optimizeImages(collectImages(input?.images ?? []));
  const git = uniqueByUrl(
    (input?.git ?? []).map((g, i) => ({ uri: redactUrl(checkString(g.url, `materials.git[${i}].url`)), digest: commitDigestSet(g.commit, `materials.git[${i}].commit`) })),
  );
  const http = uniqueByUrl(
    (input?.http ?? []).map((h, i) => ({ uri: redactUrl(checkString(h.url, `materials.http[${i}].url`)), digest: digestSetOf(h.digest, `materials.http[${i}].digest`) })),
  );
  const out: Material[] = images.map((image, i) => {
    let uri: string;
    try {
      uri = imagePurl(image.ref, image.platform, image.local ? "oci" : "docker");
    } catch (error) {
      throw new ProvenanceInputError(`materials.images[${i}].ref`, error instanceof Error ? error.message : String(error), { cause: error });
    }
    return image.digest ? { uri, digest: image.digest } : { uri };
  });
  return [...out, ...git, ...http];
}

function checkString(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new ProvenanceInputError(field, "expected a non-empty string");
  return value;
}

function collectImages(images: ResolvedMaterials["images"] & object): Image[] {
  const out: Image[] = [];
  images.forEach((image, i) => {
    let ref: string;
    try {
      ref = parseReference(checkString(image.ref, `materials.images[${i}].ref`)).toString();
    } catch (error) {
      if (error instanceof ProvenanceInputError) throw error;
      throw new ProvenanceInputError(`materials.images[${i}].ref`, error instanceof Error ? error.message : String(error), { cause: error });
    }
    const candidate: Image = {
      ref,
      platform: image.platform,
      local: image.local === true,
      digest: image.digest === undefined ? undefined : digestSetOf(image.digest, `materials.images[${i}].digest`),
    };
    // Capture.AddImage: the same reference for the same platform (features aside) is recorded once.
    if (!out.some((seen) => seen.ref === candidate.ref && seen.local === candidate.local && samePlatform(seen.platform, candidate.platform))) out.push(candidate);
  });
  return out.sort((a, b) => compareGoStrings(a.ref, b.ref));
}

function samePlatform(a: Platform | undefined, b: Platform | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.os === b.os && a.architecture === b.architecture && a["os.version"] === b["os.version"] && a.variant === b.variant;
}

// OptimizeImageSources: `name@digest` is dropped when the same name is also there by tag (the
// tag's entry already carries the digest); a digest-only reference counts as tag `latest`.
function optimizeImages(images: Image[]): Image[] {
  const nameTag = (ref: string): string => {
    const parsed = parseReference(ref);
    return `${parsed.name}:${parsed.tag ?? "latest"}`;
  };
  const byTag = new Set(images.filter((i) => parseReference(i.ref).digest === undefined).map((i) => nameTag(i.ref)));
  return images.filter((i) => parseReference(i.ref).digest === undefined || !byTag.has(nameTag(i.ref)));
}

function uniqueByUrl(materials: Material[]): Material[] {
  const seen = new Set<string>();
  return materials.filter((m) => (seen.has(m.uri) ? false : (seen.add(m.uri), true))).sort((a, b) => compareGoStrings(a.uri, b.uri));
}
