import { isIndexMediaType, isManifestMediaType, type FetchedManifest } from "@exp/oci-spec";
import { goDecode, goZero } from "./go-json.js";
import { descriptorType, indexType, inspectedIndexType, provenanceStubType, sbomStubType, templateInputType, type TypedValue } from "./go-types.js";
import type { Loaded } from "./loader.js";
import { parseJson } from "./read-blob.js";

/**
 * What `.Manifest` is in buildx's printer: for an image manifest its descriptor (media type,
 * digest, size), for an index the index with its own digest and size; nil for anything else.
 */
export function manifestValue(root: FetchedManifest): TypedValue | null {
  const { descriptor, bytes } = root;
  if (isManifestMediaType(descriptor.mediaType)) return { type: descriptorType, value: goDecode(descriptorType, { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size }, "the descriptor") };
  if (!isIndexMediaType(descriptor.mediaType)) return null;
  const index = goDecode(indexType, parseJson(bytes, "the index"), "the index") as Record<string, unknown>;
  return {
    type: inspectedIndexType,
    value: { SchemaVersion: index.SchemaVersion, MediaType: index.MediaType, Digest: descriptor.digest, Size: descriptor.size, Manifests: index.Manifests, Annotations: index.Annotations },
  };
}

/**
 * buildx's template input: `tplInput` (one image: `.Image` its config, `.Provenance` and `.SBOM`
 * its stubs, empty when it has none) or, with more than one platform, `tplInputs` (each a map by
 * platform holding only the platforms that have one). `.Name` is the name as it was given.
 */
export function templateInput(name: string, manifest: TypedValue | null, loaded: Loaded, signal: AbortSignal | undefined): TypedValue {
  const multi = loaded.platforms.length > 1;
  const type = templateInputType(multi);
  const stub = (stubType: typeof provenanceStubType, value: object | undefined) => ({ ...(goZero(stubType) as object), ...value });
  const perPlatform = async <T extends object>(read: (platform: string) => Promise<T | undefined>): Promise<Map<string, T>> => {
    const out = new Map<string, T>();
    for (const platform of loaded.platforms) {
      const value = await read(platform);
      if (value) out.set(platform, value);
    }
    return out;
  };
  const method = (stubType: typeof provenanceStubType, read: (platform: string) => Promise<object | undefined>) => async (): Promise<TypedValue> => {
    const found = await perPlatform(read);
    if (multi) return { type: { kind: "map", elem: stubType }, value: new Map([...found].map(([p, v]) => [p, stub(stubType, v)])) };
    return { type: stubType, value: stub(stubType, [...found.values()][0]) };
  };
  const image = multi ? new Map(loaded.configs) : ([...loaded.configs.values()][0] ?? null);
  return {
    type,
    value: {
      Name: name,
      Manifest: manifest,
      Image: image,
      Provenance: method(provenanceStubType, (p) => loaded.provenance(p, signal)),
      SBOM: method(sbomStubType, (p) => loaded.sbom(p, signal)),
    },
  };
}
