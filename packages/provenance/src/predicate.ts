import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { hostPlatform, platformKey } from "@exp/oci-spec";
import { maxModeParts, type BuildConfig, type LayerDescriptor, type SourceMap } from "./build-config.js";
import { digestSetOf } from "./digest-set.js";
import { ProvenanceInputError } from "./errors.js";
import { sortKeysDeep, type JsonValue } from "./go-json.js";
import { goTimestamp } from "./go-time.js";
import type { ProvenanceInput } from "./input.js";
import { materialsOf, type Material } from "./materials.js";
import type { ProvenanceMode } from "./options.js";
import { redactEmbeddedUrls, redactUrl } from "./redact.js";
import { frontendAttrs, requestOf, type ConfigSource, type RequestParameters } from "./request.js";

/** BuildKit's buildType for v1 predicates (provenance/types BuildKitBuildType1). */
export const buildTypeV1 = "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md";
/** BuildKit's buildType for v0.2 predicates (BuildKitBuildType02). */
export const buildTypeV02 = "https://mobyproject.org/buildkit@v1";

/** What both versions are written from: BuildKit builds a v1 predicate and converts it for v0.2. */
export interface Provenance {
  builderId: string;
  invocationId: string;
  startedOn: string;
  finishedOn: string;
  reproducible: boolean;
  materials: Material[];
  configSource: ConfigSource;
  parameters: RequestParameters;
  builderPlatform: string;
  dockerfileVersion: string | undefined;
  buildConfig: BuildConfig | undefined;
  buildkitMetadata: BuildkitMetadata;
  hermetic: boolean;
  completeness: { request: boolean; resolvedDependencies: boolean };
}

/** BuildKit's BuildKitMetadata, in its field order. */
export interface BuildkitMetadata {
  vcs?: Record<string, string>;
  source?: SourceMap;
  layers?: Record<string, LayerDescriptor[][]>;
}

/** BuildKit's NewPredicate and NewProvenanceCreator for one platform's result, as plain data. */
export function captureProvenance(input: ProvenanceInput, mode: ProvenanceMode): Provenance {
  if (input === null || typeof input !== "object") throw new ProvenanceInputError("input", "expected an object");
  const frontend = input.frontend ?? "dockerfile.v0";
  if (typeof frontend !== "string") throw new ProvenanceInputError("frontend", "expected a string");
  if (typeof input.invocationId !== "string" || input.invocationId === "") throw new ProvenanceInputError("invocationId", "expected a non-empty string");

  const materials = materialsOf(input.materials);
  const locals = input.localSources ?? ["context", "dockerfile"];
  const request = requestOf(frontend, frontendAttrs(input.request, input.dockerfile), locals, input.secrets ?? [], input.ssh ?? [], materials, mode);
  // A local directory is not pinned by any digest, so the materials cannot be complete.
  const incompleteMaterials = locals.length > 0;

  let max = { buildConfig: undefined as BuildConfig | undefined, source: undefined as SourceMap | undefined, layers: undefined as Record<string, LayerDescriptor[][]> | undefined };
  if (mode === "max") max = maxModeParts(input.steps, dockerfileData(input));

  const buildkitMetadata: BuildkitMetadata = {};
  if (request.vcs) buildkitMetadata.vcs = request.vcs;
  if (max.source) buildkitMetadata.source = max.source;
  if (max.layers) buildkitMetadata.layers = max.layers;

  return {
    builderId: redactUrl(input.builderId ?? ""),
    invocationId: redactEmbeddedUrls(input.invocationId),
    startedOn: goTimestamp(input.startedOn, "startedOn"),
    finishedOn: goTimestamp(input.finishedOn, "finishedOn"),
    reproducible: input.reproducible === true,
    materials,
    configSource: request.configSource,
    parameters: request.parameters,
    builderPlatform: platformKey(input.builderPlatform ?? hostPlatform()),
    // NewProvenanceCreator writes the Dockerfile frontend's version only for dockerfile.v0.
    dockerfileVersion: frontend === "dockerfile.v0" && input.dockerfileVersion ? input.dockerfileVersion : undefined,
    buildConfig: max.buildConfig,
    buildkitMetadata,
    hermetic: !incompleteMaterials && input.networkAccess !== true,
    completeness: { request: request.complete, resolvedDependencies: !incompleteMaterials },
  };
}

function dockerfileData(input: ProvenanceInput): { filename: string; data: Uint8Array } | undefined {
  const dockerfile = input.dockerfile;
  if (dockerfile?.content === undefined) return undefined;
  const raw = typeof dockerfile.content === "string" ? Buffer.from(dockerfile.content, "utf8") : dockerfile.content;
  if (dockerfile.digest !== undefined) {
    const expected = digestSetOf(dockerfile.digest, "dockerfile.digest");
    const [algorithm, hex] = Object.entries(expected)[0]!;
    if (createHash(algorithm).update(raw).digest("hex") !== hex) throw new ProvenanceInputError("dockerfile.digest", "does not match dockerfile.content");
  }
  // BuildKit embeds the Dockerfile as read. A URL in it can carry credentials (`ADD https://user:token@…`),
  // so exp redacts them; line breaks are untouched, so the source map still points at the right lines.
  const text = Buffer.from(raw).toString("utf8");
  const data = Buffer.from(text, "utf8").equals(raw) ? Buffer.from(redactEmbeddedUrls(text), "utf8") : raw;
  return { filename: dockerfile.filename, data };
}

/** The v1 predicate (ProvenancePredicateSLSA1), keys in the order Go writes them. */
export function toV1(p: Provenance): JsonValue {
  const configSource: Record<string, JsonValue> = {};
  if (p.configSource.uri !== undefined) configSource["uri"] = p.configSource.uri;
  if (p.configSource.digest !== undefined) configSource["digest"] = p.configSource.digest;
  if (p.configSource.path !== undefined) configSource["path"] = p.configSource.path;

  // internalParameters has a MarshalJSON that goes through map[string]any: every key sorted, at every depth.
  const internal: Record<string, JsonValue> = { builderPlatform: p.builderPlatform };
  if (p.buildConfig) internal["buildConfig"] = p.buildConfig as unknown as JsonValue;
  if (p.dockerfileVersion !== undefined) internal["dockerfileVersion"] = p.dockerfileVersion;

  const buildDefinition: Record<string, JsonValue> = { buildType: buildTypeV1 };
  if (p.materials.length > 0) buildDefinition["resolvedDependencies"] = p.materials as unknown as JsonValue;
  buildDefinition["externalParameters"] = { configSource, request: p.parameters as unknown as JsonValue };
  buildDefinition["internalParameters"] = sortKeysDeep(internal);

  const metadata: Record<string, JsonValue> = {};
  if (p.invocationId !== "") metadata["invocationId"] = p.invocationId;
  metadata["startedOn"] = p.startedOn;
  metadata["finishedOn"] = p.finishedOn;
  metadata["buildkit_metadata"] = p.buildkitMetadata as unknown as JsonValue;
  if (p.hermetic) metadata["buildkit_hermetic"] = true;
  metadata["buildkit_completeness"] = { request: p.completeness.request, resolvedDependencies: p.completeness.resolvedDependencies };
  if (p.reproducible) metadata["buildkit_reproducible"] = true;

  return { buildDefinition, runDetails: { builder: { id: p.builderId }, metadata } };
}

/** The v0.2 predicate (ProvenancePredicateSLSA02, from ConvertToSLSA02), keys in the order Go writes them. */
export function toV02(p: Provenance): JsonValue {
  const configSource: Record<string, JsonValue> = {};
  if (p.configSource.uri !== undefined) configSource["uri"] = p.configSource.uri;
  if (p.configSource.digest !== undefined) configSource["digest"] = p.configSource.digest;
  if (p.configSource.path !== undefined) configSource["entryPoint"] = p.configSource.path;

  // Environment also marshals through map[string]any.
  const environment: Record<string, JsonValue> = { platform: p.builderPlatform };
  if (p.dockerfileVersion !== undefined) environment["dockerfileVersion"] = p.dockerfileVersion;

  const predicate: Record<string, JsonValue> = { builder: { id: p.builderId }, buildType: buildTypeV02 };
  if (p.materials.length > 0) predicate["materials"] = p.materials as unknown as JsonValue;
  predicate["invocation"] = { configSource, parameters: p.parameters as unknown as JsonValue, environment: sortKeysDeep(environment) };
  if (p.buildConfig) predicate["buildConfig"] = p.buildConfig as unknown as JsonValue;

  const metadata: Record<string, JsonValue> = {};
  if (p.invocationId !== "") metadata["buildInvocationID"] = p.invocationId;
  metadata["buildStartedOn"] = p.startedOn;
  metadata["buildFinishedOn"] = p.finishedOn;
  metadata["completeness"] = { parameters: p.completeness.request, environment: true, materials: p.completeness.resolvedDependencies };
  metadata["reproducible"] = p.reproducible;
  metadata["https://mobyproject.org/buildkit@v1#metadata"] = p.buildkitMetadata as unknown as JsonValue;
  if (p.hermetic) metadata["https://mobyproject.org/buildkit@v1#hermetic"] = true;
  predicate["metadata"] = metadata;
  return predicate;
}
