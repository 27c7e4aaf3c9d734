import { DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX, isIndexMediaType, type Descriptor } from "@exp/oci-spec";
import type { CreateAnnotations } from "./create-annotations.js";
import type { FetchedSource } from "./fetch-sources.js";
import { goPlatformKey } from "./go-format.js";
import { marshalIndex } from "./go-index.js";
import { parseJson } from "./read-blob.js";

/** What `create` pushes: the document, its descriptor, and where each manifest it lists is read from. */
export interface Combined {
  readonly bytes: Buffer;
  readonly desc: Descriptor;
  /**
   * The source of each manifest the index lists, by digest; undefined when the result is one
   * source's manifest as it is (a carbon copy with --prefer-index=false). An index kept as it is
   * maps its own digest to its source.
   */
  readonly sourceOf: ReadonlyMap<string, FetchedSource> | undefined;
  /** True when annotations were asked for and the result is a Docker manifest list, which has none (buildx drops them silently). */
  readonly annotationsDropped?: boolean;
}

/**
 * buildx's Combine (util/imagetools/create.go), before the platform filter:
 * - one source and no annotation: an index is kept byte for byte (its digest unchanged); a
 *   manifest too with --prefer-index=false, else it becomes the one entry of a new index;
 * - otherwise a new index lists every source manifest and the manifests of every source index
 *   (attestation manifests included, in their place), one entry per digest (a repeat merges its
 *   platform and annotations into the first);
 * - the new index is a Docker manifest list when every entry is a Docker type, else an OCI index,
 *   and only an OCI index takes annotations (index: on it, manifest-descriptor: on its entries).
 */
export function combine(sources: readonly FetchedSource[], annotations: CreateAnnotations, preferIndex: boolean): Combined {
  if (sources.length === 1 && annotations.size === 0) {
    const only = sources[0]!;
    if (isIndexMediaType(only.desc.mediaType)) return { bytes: only.bytes, desc: only.desc, sourceOf: new Map([[only.desc.digest, only]]) };
    if (!preferIndex) return { bytes: only.bytes, desc: only.desc, sourceOf: undefined };
  }

  const descs: Descriptor[] = [];
  const position = new Map<string, number>();
  const sourceOf = new Map<string, FetchedSource>();
  const add = (d: Descriptor, source: FetchedSource) => {
    const at = position.get(d.digest);
    if (at === undefined) {
      position.set(d.digest, descs.length);
      descs.push(structuredClone(d));
    } else {
      const old = descs[at]!;
      descs[at] = {
        ...old,
        mediaType: old.mediaType || d.mediaType,
        ...(d.platform ? { platform: structuredClone(d.platform) } : {}),
        annotations: { ...old.annotations, ...d.annotations },
      };
    }
    sourceOf.set(d.digest, source);
  };
  for (const source of sources) {
    if (isIndexMediaType(source.desc.mediaType)) {
      const index = parseJson(source.bytes, `index ${source.ref.toString()}`) as { manifests?: Descriptor[] | null };
      for (const d of index.manifests ?? []) add(d, source);
    } else {
      add(source.desc, source);
    }
  }

  const docker = descs.every((d) => typeof d.mediaType === "string" && d.mediaType.startsWith("application/vnd.docker."));
  const mediaType = docker ? DOCKER_MANIFEST_LIST : OCI_IMAGE_INDEX;
  const indexAnnotations: Record<string, string> = {};
  if (!docker) {
    for (const [key, value] of annotations.index) indexAnnotations[key] = value;
    for (const { key, value, platform } of annotations.manifestDescriptor) {
      const wanted = platform ? goPlatformKey(platform) : undefined;
      for (const d of descs) {
        if (wanted !== undefined && (!d.platform || goPlatformKey(d.platform) !== wanted)) continue;
        d.annotations = { ...d.annotations, [key]: value };
      }
    }
  }
  const { bytes, desc } = marshalIndex({ mediaType, manifests: descs, annotations: indexAnnotations });
  return { bytes, desc, sourceOf, ...(docker && annotations.size > 0 ? { annotationsDropped: true } : {}) };
}
