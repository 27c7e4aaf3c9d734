import { Buffer } from "node:buffer";
import type { Descriptor } from "@exp/oci-spec";
import { ProvenanceInputError } from "./errors.js";
import { goMap } from "./go-json.js";
import type { BuildStepInput, BuildStepsInput, SourcePosition, SourceRange } from "./input.js";
import { redactEmbeddedUrls, redactUrl } from "./redact.js";

/**
 * One entry of `buildConfig.llbDefinition`. BuildKit writes the LLB op itself (a protobuf as JSON);
 * exp has no LLB, so `op` is exp's own description of the step: its kind, its progress name and
 * its cache key. Same place, same id scheme (`stepN`) and the same `inputs` (`stepM:0`), so
 * `layers`, `source.locations` and `digestMapping` point into it as they do in BuildKit's.
 */
export interface BuildStep {
  id: string;
  op: { kind: string; name: string; cacheKey?: string };
  inputs?: string[];
}

export interface BuildConfig {
  llbDefinition?: BuildStep[];
  digestMapping?: Record<string, string>;
}

export interface StepPosition {
  line?: number;
  character?: number;
}

/** BuildKit's metadata `source`: where each step comes from in the Dockerfile, and the Dockerfile. */
export interface SourceMap {
  locations?: Record<string, { locations: { ranges: { start?: StepPosition; end?: StepPosition }[] }[] }>;
  infos?: { filename?: string; language?: string; data?: string }[];
}

export interface MaxModeParts {
  buildConfig: BuildConfig | undefined;
  source: SourceMap | undefined;
  layers: Record<string, LayerDescriptor[][]> | undefined;
}

/** An OCI descriptor as BuildKit writes one in `layers` (ocispecs.Descriptor's field order). */
export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
}

/**
 * The mode=max parts: the build steps (provenance AddBuildConfig / toBuildSteps), the source map
 * (metadata.source) and the layers of each step (metadata.layers). Steps are numbered as BuildKit
 * numbers LLB vertices: depth first from the result, each step after its inputs, in input order.
 */
export function maxModeParts(steps: BuildStepsInput | undefined, dockerfile: { filename: string; data: Uint8Array } | undefined): MaxModeParts {
  const ordered = steps === undefined ? [] : orderSteps(steps);
  const index = new Map(ordered.map((step, i) => [step.id, i]));
  const buildConfig: BuildConfig | undefined = ordered.length === 0 ? undefined : {};
  const digestMapping: Record<string, string> = {};
  const locations: NonNullable<SourceMap["locations"]> = {};
  const layers: Record<string, LayerDescriptor[][]> = {};

  const definition = ordered.map((step, i) => {
    const field = `steps.steps[${steps!.steps.indexOf(step)}]`;
    // A progress name quotes the instruction (`ADD https://user:token@host/f`): its URLs are redacted.
    const op: BuildStep["op"] = { kind: step.kind, name: redactEmbeddedUrls(step.name) };
    if (step.cacheKey !== undefined) {
      if (!/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(step.cacheKey)) throw new ProvenanceInputError(`${field}.cacheKey`, "expected a digest, <algorithm>:<hex>");
      op.cacheKey = step.cacheKey;
      // Two steps with one cache key are one computation; the first (as BuildKit's one vertex) names it.
      digestMapping[step.cacheKey] ??= `step${i}`;
    }
    const out: BuildStep = { id: `step${i}`, op };
    const inputs = (step.inputs ?? []).map((id) => `step${index.get(id)!}:0`);
    if (inputs.length > 0) out.inputs = inputs;
    if (step.locations !== undefined && step.locations.length > 0) {
      locations[`step${i}`] = { locations: [{ ranges: step.locations.map((range, r) => rangeOf(range, `${field}.locations[${r}]`)) }] };
    }
    if (step.layers !== undefined && step.layers.length > 0) layers[`step${i}:0`] = [step.layers.map((d, l) => layerOf(d, `${field}.layers[${l}]`))];
    return out;
  });
  if (buildConfig) {
    buildConfig.llbDefinition = definition;
    if (Object.keys(digestMapping).length > 0) buildConfig.digestMapping = goMap(digestMapping);
  }

  let source: SourceMap | undefined;
  if (dockerfile !== undefined) {
    source = {};
    if (Object.keys(locations).length > 0) source.locations = goMap(locations);
    source.infos = [{ filename: dockerfile.filename, language: "Dockerfile", data: Buffer.from(dockerfile.data).toString("base64") }];
  }
  return { buildConfig, source, layers: Object.keys(layers).length > 0 ? goMap(layers) : undefined };
}

function orderSteps(input: BuildStepsInput): BuildStepInput[] {
  const byId = new Map<string, BuildStepInput>();
  input.steps.forEach((step, i) => {
    if (typeof step.id !== "string" || step.id === "") throw new ProvenanceInputError(`steps.steps[${i}].id`, "expected a non-empty string");
    if (byId.has(step.id)) throw new ProvenanceInputError(`steps.steps[${i}].id`, `two steps have the id ${JSON.stringify(step.id)}`);
    byId.set(step.id, step);
  });
  if (!byId.has(input.result)) throw new ProvenanceInputError("steps.result", `no step has the id ${JSON.stringify(input.result)}`);
  const ordered: BuildStepInput[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, from: string): void => {
    const step = byId.get(id);
    if (!step) throw new ProvenanceInputError(from, `no step has the id ${JSON.stringify(id)}`);
    const seen = state.get(id);
    if (seen === "done") return;
    if (seen === "visiting") throw new ProvenanceInputError(from, `the steps form a cycle through ${JSON.stringify(id)}`);
    state.set(id, "visiting");
    (step.inputs ?? []).forEach((inputId, i) => visit(inputId, `steps.steps[${input.steps.indexOf(step)}].inputs[${i}]`));
    state.set(id, "done");
    ordered.push(step);
  };
  visit(input.result, "steps.result");
  return ordered;
}

function rangeOf(range: SourceRange, field: string): { start?: StepPosition; end?: StepPosition } {
  return { start: positionOf(range.start, `${field}.start`), end: positionOf(range.end, `${field}.end`) };
}

// pb.Position with omitempty: a zero line or character is left out.
function positionOf(position: SourcePosition, field: string): StepPosition {
  const line = position?.line;
  const character = position?.character ?? 0;
  if (!Number.isInteger(line) || line < 1) throw new ProvenanceInputError(`${field}.line`, "expected a line number from 1");
  if (!Number.isInteger(character) || character < 0) throw new ProvenanceInputError(`${field}.character`, "expected a character offset from 0");
  const out: StepPosition = { line };
  if (character > 0) out.character = character;
  return out;
}

// BuildKit drops the annotations it keeps for itself (RemoveInternalLayerAnnotations).
const internalAnnotation = (key: string): boolean => key === "containerd.io/uncompressed" || key === "buildkit/createdat" || key.startsWith("containerd.io/distribution.source.");

function layerOf(descriptor: Descriptor, field: string): LayerDescriptor {
  if (typeof descriptor?.digest !== "string" || typeof descriptor.mediaType !== "string" || !Number.isSafeInteger(descriptor.size)) {
    throw new ProvenanceInputError(field, "expected an OCI descriptor with mediaType, digest and size");
  }
  const out: LayerDescriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  if (descriptor.urls !== undefined && descriptor.urls.length > 0) out.urls = descriptor.urls.map(redactUrl);
  const annotations = Object.entries(descriptor.annotations ?? {}).filter(([key]) => !internalAnnotation(key));
  if (annotations.length > 0) out.annotations = goMap(Object.fromEntries(annotations));
  return out;
}
