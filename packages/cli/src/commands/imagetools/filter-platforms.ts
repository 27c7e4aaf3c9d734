import { ATTESTATION_MANIFEST_REFERENCE, REFERENCE_DIGEST_ANNOTATION, REFERENCE_TYPE_ANNOTATION, isIndexMediaType, type Descriptor, type Platform } from "@exp/oci-spec";
import type { Combined } from "./combine.js";
import type { FetchedSource } from "./fetch-sources.js";
import { goFormatPlatform, goPlatformKey } from "./go-format.js";
import { marshalIndex, type IndexDocument } from "./go-index.js";
import { NoMatchingPlatformError } from "./imagetools-errors.js";
import { parseJson } from "./read-blob.js";


/** A manifest the result lists, and the source it is copied from. */
export interface ManifestWithSource {
  readonly desc: Descriptor;
  readonly source: FetchedSource;
}

export interface Filtered {
  readonly bytes: Buffer;
  readonly desc: Descriptor;
  /** Undefined for a single manifest pushed as it is. */
  readonly manifests: readonly ManifestWithSource[] | undefined;
}

/** The digest an attestation manifest descriptor says it is about, if it is one (BuildKit's layout). */
export function attestationSubject(d: Descriptor): string | undefined {
  if (d.annotations?.[REFERENCE_TYPE_ANNOTATION] !== ATTESTATION_MANIFEST_REFERENCE) return undefined;
  return d.annotations[REFERENCE_DIGEST_ANNOTATION];
}

/**
 * buildx's filterPlatforms (util/imagetools/create.go): with `--platform`, an index keeps the
 * manifests of those platforms (and any without a platform), and an attestation manifest stays
 * exactly when the image manifest it references stays, whatever its own `unknown/unknown`
 * platform says; a platform dropped takes its attestations with it. An index that keeps every
 * entry is pushed as it was; one that loses some is written anew. A single manifest must be of one
 * of the platforms. Without `--platform` every entry matches.
 */
export function filterPlatforms(combined: Combined, platforms: readonly Platform[]): Filtered {
  const wanted = new Set(platforms.map(goPlatformKey));
  const matches = (p: Platform | undefined) => p === undefined || wanted.size === 0 || wanted.has(goPlatformKey(p));
  const { bytes, desc, sourceOf } = combined;

  if (!isIndexMediaType(desc.mediaType)) {
    if (wanted.size > 0 && !desc.platform) throw new NoMatchingPlatformError("cannot filter platforms from a manifest without platform information");
    if (desc.platform && !matches(desc.platform)) {
      throw new NoMatchingPlatformError(`input platform ${goFormatPlatform(desc.platform)} does not match any of the provided platforms (${[...wanted].join(", ")})`);
    }
    return { bytes, desc, manifests: undefined };
  }

  const index = parseJson(bytes, "the index") as IndexDocument;
  const entries = index.manifests ?? [];
  const byDigest = new Map(entries.map((d) => [d.digest as string, d]));
  // Attestation manifests whose subject is in the index and matches: they follow it.
  const followers = new Set<string>();
  for (const d of entries) {
    const subject = attestationSubject(d);
    const target = subject === undefined ? undefined : byDigest.get(subject);
    if (target && matches(target.platform)) followers.add(d.digest);
  }
  const kept = entries.filter((d) => followers.has(d.digest) || matches(d.platform));
  if (kept.length === 0) throw new NoMatchingPlatformError(`none of the manifests match the provided platforms (${[...wanted].join(", ")}); the index has ${platformList(entries)}`);
  const manifests = kept.map((d) => {
    const source = sourceOf?.get(d.digest) ?? sourceOf?.get(desc.digest);
    if (!source) throw new Error(`internal error: no source found for ${d.digest}`);
    return { desc: d, source };
  });
  if (kept.length === entries.length) return { bytes, desc, manifests };
  const rewritten = marshalIndex({ ...index, manifests: kept });
  return { bytes: rewritten.bytes, desc: { ...rewritten.desc, mediaType: desc.mediaType, ...(desc.annotations ? { annotations: desc.annotations } : {}) }, manifests };
}

function platformList(entries: readonly Descriptor[]): string {
  const names = [...new Set(entries.filter((d) => d.platform && attestationSubject(d) === undefined).map((d) => goFormatPlatform(d.platform!)))];
  return names.length === 0 ? "no platforms" : names.join(", ");
}
