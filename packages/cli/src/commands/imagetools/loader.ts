import { isIndexMediaType, isManifestMediaType, type Descriptor, type FetchedManifest, type ImageReference, type Platform, type RegistryApi } from "@exp/oci-spec";
import { goPlatformKey } from "./go-format.js";
import { goDecode } from "./go-json.js";
import { imageType } from "./go-types.js";
import { runAll } from "./parallel.js";
import { parseJson, readBlob } from "./read-blob.js";

const inTotoGeneric = "application/vnd.in-toto+json";
const inTotoDsse = /^application\/vnd\.in-toto\..*\+dsse$/;
const spdxPredicate = "https://spdx.dev/Document";
const slsaPrefix = "https://slsa.dev/provenance/";
/** The annotations that tie an attestation manifest to its image, newest name first (buildx's annotationReferences). */
const referenceAnnotations = ["com.docker.reference.digest", "vnd.docker.reference.digest"];

interface ManifestDoc {
  readonly config?: Descriptor;
  readonly layers?: readonly Descriptor[];
}

/** What buildx's loader (util/imagetools/loader.go) finds under a name. */
export interface Loaded {
  /** The image platforms, sorted (platforms.Format of the normalized platform). */
  readonly platforms: readonly string[];
  /** Each platform's config, decoded as buildx decodes it (an ocispecs.Image). */
  readonly configs: ReadonlyMap<string, unknown>;
  /** `{ SLSA }` of the platform's provenance, undefined when it has none. Read on first use. */
  provenance(platform: string, signal?: AbortSignal): Promise<{ SLSA: unknown } | undefined>;
  /** `{ SPDX, AdditionalSPDXs }` of the platform's SBOMs, undefined when it has none. Read on first use. */
  sbom(platform: string, signal?: AbortSignal): Promise<{ SPDX: unknown; AdditionalSPDXs: unknown[] | null } | undefined>;
}

/**
 * Walks the image as buildx's loader does: every manifest of an index (nested ones too) is read;
 * one whose descriptor carries a reference annotation is an attestation manifest of the image it
 * names, any other manifest is the image of its platform (the descriptor's, else its config's).
 * Each image's config is read now; its attestations' in-toto statements (plain or DSSE) only when
 * a template asks for .Provenance or .SBOM.
 */
export async function loadImage(client: RegistryApi, ref: ImageReference, root: FetchedManifest, signal: AbortSignal | undefined): Promise<Loaded> {
  const repo = { registry: ref.registry, repository: ref.repository };
  const manifests = new Map<string, ManifestDoc>();
  const images = new Map<string, string>();
  const refs = new Map<string, string[]>();

  const visit = async (desc: Descriptor, fetched: FetchedManifest | undefined, inner: AbortSignal | undefined): Promise<void> => {
    const mediaType = desc.mediaType || fetched?.descriptor.mediaType || "";
    if (!isIndexMediaType(mediaType) && !isManifestMediaType(mediaType)) return;
    const bytes = (fetched ?? (await client.getManifest({ ...repo, digest: desc.digest }, inner ? { signal: inner } : {}))).bytes;
    const doc = parseJson(bytes, `manifest ${ref.name}@${desc.digest}`) as ManifestDoc & { manifests?: Descriptor[] };
    if (isIndexMediaType(mediaType)) {
      await runAll((doc.manifests ?? []).map((child) => (s) => visit(child, undefined, s)), inner);
      return;
    }
    manifests.set(desc.digest, doc);
    const subject = referenceAnnotations.map((key) => desc.annotations?.[key]).find((value) => value !== undefined);
    if (subject !== undefined) {
      refs.set(subject, [...(refs.get(subject) ?? []), desc.digest]);
      return;
    }
    const platform = desc.platform ?? (doc.config ? await configPlatform(doc.config, inner) : undefined);
    images.set(goPlatformKey(platform ?? { os: "", architecture: "" }), desc.digest);
  };

  const configPlatform = async (config: Descriptor, inner: AbortSignal | undefined): Promise<Platform> => {
    const json = parseJson(await readBlob(client, repo, config, inner), `config ${config.digest} of ${ref.name}`) as Partial<Platform>;
    return { os: json.os ?? "", architecture: json.architecture ?? "", ...(json.variant ? { variant: json.variant } : {}) };
  };

  await visit(root.descriptor, root, signal);

  const platforms = [...images.keys()].sort();
  const configs = new Map<string, unknown>();
  await runAll(
    platforms.map((platform) => async (inner) => {
      const config = manifests.get(images.get(platform)!)?.config;
      if (!config) return;
      const json = parseJson(await readBlob(client, repo, config, inner), `config ${config.digest} of ${ref.name}`);
      configs.set(platform, goDecode(imageType, json, `config ${config.digest} of ${ref.name}`));
    }),
    signal,
  );

  /** The predicates of the platform's attestation layers that `wanted` picks, in the order the manifests list them. */
  const predicates = async (platform: string, wanted: (predicateType: string) => boolean, all: boolean, inner: AbortSignal | undefined): Promise<unknown[][]> => {
    const out: unknown[][] = [];
    for (const digest of refs.get(images.get(platform) ?? "") ?? []) {
      const found: unknown[] = [];
      for (const layer of manifests.get(digest)?.layers ?? []) {
        if (!(layer.mediaType === inTotoGeneric || inTotoDsse.test(layer.mediaType)) || !wanted(layer.annotations?.["in-toto.io/predicate-type"] ?? "")) continue;
        found.push(predicateOf(await readBlob(client, repo, layer, inner), layer, ref.name));
        if (!all) break;
      }
      out.push(found);
    }
    return out;
  };

  return {
    platforms,
    configs,
    // buildx keeps the provenance of the last attestation manifest that has one.
    provenance: async (platform, inner) => {
      const found = (await predicates(platform, (t) => t.startsWith(slsaPrefix), false, inner)).filter((p) => p.length > 0);
      return found.length === 0 ? undefined : { SLSA: found[found.length - 1]![0] };
    },
    sbom: async (platform, inner) => {
      const all = (await predicates(platform, (t) => t === spdxPredicate, true, inner)).flat();
      return all.length === 0 ? undefined : { SPDX: all[0], AdditionalSPDXs: all.length > 1 ? all.slice(1) : null };
    },
  };
}

/** The statement's predicate; a DSSE envelope is opened first (its payload is the statement, base64). */
function predicateOf(bytes: Buffer, layer: Descriptor, name: string): unknown {
  let statement = parseJson(bytes, `attestation ${layer.digest} of ${name}`) as { predicate?: unknown; payload?: unknown };
  if (inTotoDsse.test(layer.mediaType)) {
    const payload = typeof statement.payload === "string" ? Buffer.from(statement.payload, "base64") : Buffer.alloc(0);
    statement = parseJson(payload, `the DSSE payload of attestation ${layer.digest} of ${name}`) as { predicate?: unknown };
  }
  return statement.predicate ?? null;
}
