import { formatPlatform } from "@exp/oci-spec";
import type { BuildFacts, FactSteps, SbomExtra } from "@exp/dockerfile";
import type { BuildStepsInput } from "@exp/provenance";
import type { ScanWarning } from "@exp/sbom";
import type { ContentStore } from "@exp/content";
import type { ExportSource, InTotoAttestation, PlatformResult, Ref } from "@exp/solver";
import { version } from "../cli.js";
import type { AttestRequests } from "./requests.js";

/** What the build command knows of the request, for provenance (nothing secret: see @exp/provenance's input). */
export interface AttestContext {
  readonly buildId: string;
  readonly startedOn: Date;
  readonly finishedOn: Date;
  readonly facts: BuildFacts;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly platforms: readonly string[];
  readonly namedContexts: Readonly<Record<string, string>>;
  readonly noCache?: boolean | readonly string[];
  /** The image's first name, the SBOM's document name (BuildKit's scanner names it after the image). */
  readonly imageName?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Where SBOM scans are kept by what they read, as BuildKit caches its scanner's run: the store,
   * the build's lease, and `refresh` for --no-cache (scan again).
   */
  readonly scanCache?: { readonly store: ContentStore; readonly lease: string; readonly refresh: boolean };
  readonly warn: (message: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Each result with the attestations asked for, in BuildKit's order (SBOM, then provenance: the
 * provenance processor runs after the SBOM one, solver/llbsolver/proc). @exp/provenance and
 * @exp/sbom are imported only when a build asks for them.
 */
export async function withAttestations(source: ExportSource, requests: AttestRequests, ctx: AttestContext): Promise<ExportSource> {
  if (!requests.provenance && !requests.sbom) return source;
  const results: PlatformResult[] = [];
  for (const [i, result] of source.results.entries()) {
    const attestations: InTotoAttestation[] = [...(result.attestations ?? [])];
    if (requests.sbom) attestations.push(...(await sbomsOf(result, ctx.facts.sbomExtras?.[i] ?? [], source, ctx)));
    if (requests.provenance) attestations.push(await provenanceOf(result, i, requests.provenance, ctx));
    results.push({ ...result, attestations });
  }
  return { ...source, results };
}

/**
 * The result's SBOM, then one per stage and context BUILDKIT_SBOM_SCAN_* selected, named as
 * BuildKit's scanner names them (`sbom-<name>.spdx.json`) and in BuildKit's order: the core SBOM
 * first, the others as the scanner's output directory lists them, by name
 * (exporter/attestation/unbundle.go).
 */
async function sbomsOf(result: PlatformResult, extras: readonly SbomExtra[], source: ExportSource, ctx: AttestContext): Promise<InTotoAttestation[]> {
  const { contentStoreScanCache, scanFilesystem, scanLayers, sbomAttestation, stageSbomPath } = await import("@exp/sbom");
  const cache = ctx.scanCache ? contentStoreScanCache(ctx.scanCache.store, { lease: ctx.scanCache.lease }) : undefined;
  // A layer chain is named by its ChainID; the context is walked and read again each time.
  const cached = (ref: Ref) => (cache ? { cache: { store: cache, identity: ref.id, refresh: ctx.scanCache!.refresh } } : {});
  const epoch = source.metadata.sourceDateEpoch;
  const common = { created: epoch === undefined ? ctx.startedOn : new Date(epoch * 1000), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  // The layers, not one filesystem view of them: the scan reads what it needs in a few passes over
  // each layer instead of streaming a layer from its start for every file (@exp/sbom's README).
  const tars = (layers: PlatformResult["ref"]["layers"]) => layers.map((layer) => ({ open: () => layer.openTar(ctx.signal ? { signal: ctx.signal } : {}) }));
  const report = (what: string, warnings: ScanWarning[]) => {
    for (const warning of warnings) ctx.warn(`sbom ${formatPlatform(result.platform)}${what}: ${warning.cataloger} skipped ${warning.path}: ${warning.message}`);
  };
  const core = await scanLayers(tars(result.ref.layers), { name: ctx.imageName ?? "image", ...common, ...cached(result.ref) });
  report("", core.warnings);
  const others: InTotoAttestation[] = [];
  for (const extra of extras) {
    const scanned =
      extra.kind === "stage"
        ? await scanLayers(tars(extra.ref.layers), { name: extra.name, ...common, ...cached(extra.ref) })
        : await scanFilesystem(extra.fs, { name: extra.name, kind: "directory", ...common });
    report(` (${extra.kind === "stage" ? `stage ${extra.name}` : "build context"})`, scanned.warnings);
    others.push(sbomAttestation(scanned.document, stageSbomPath(extra.name)));
  }
  others.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [sbomAttestation(core.document), ...others];
}

async function provenanceOf(result: PlatformResult, index: number, request: NonNullable<AttestRequests["provenance"]>, ctx: AttestContext): Promise<InTotoAttestation> {
  const { provenanceAttestation, githubActionsBuilderId } = await import("@exp/provenance");
  const materials = ctx.facts.materials[index] ?? { images: [], http: [] };
  // docker/build-push-action passes the run's URL as builder-id in GitHub Actions; exp, run there
  // directly, does the same unless one is given. Elsewhere BuildKit writes "", which SLSA's own
  // schemas refuse (builder.id is a required URI): exp names itself, as a package URL.
  const builderId = request.builderId ?? githubActionsBuilderId(ctx.env) ?? `pkg:npm/%40exp/cli@${version}`;
  const attestation = provenanceAttestation(
    {
      builderId,
      invocationId: ctx.buildId,
      startedOn: ctx.startedOn,
      finishedOn: ctx.finishedOn,
      reproducible: request.reproducible,
      frontend: "dockerfile.v0",
      request: {
        buildArgs: ctx.buildArgs,
        labels: ctx.labels,
        ...(ctx.target ? { target: ctx.target } : {}),
        platforms: ctx.platforms,
        namedContexts: ctx.namedContexts,
        ...(ctx.noCache !== undefined ? { noCache: ctx.noCache } : {}),
      },
      dockerfile: { filename: ctx.facts.dockerfile.filename, content: ctx.facts.dockerfile.content },
      localSources: ["context", "dockerfile", ...Object.entries(ctx.namedContexts).filter(([, value]) => value.startsWith("local:")).map(([name]) => name)],
      ...(request.mode === "max" && ctx.facts.steps[index] ? { steps: provenanceSteps(ctx.facts.steps[index]!) } : {}),
      materials: {
        images: materials.images.map((m) => ({ ref: m.local ? localImageName(m.ref) : m.ref, digest: m.digest, platform: m.platform, ...(m.local ? { local: true } : {}) })),
        http: materials.http.map((m) => ({ url: m.url, digest: m.digest })),
      },
    },
    { mode: request.mode, version: request.version, filename: request.filename },
  );
  return request.inlineOnly ? { ...attestation, inlineOnly: true } : attestation;
}

/** The build's steps as @exp/provenance takes them: each instruction's line as a whole-line source range. */
function provenanceSteps(facts: FactSteps): BuildStepsInput {
  return {
    result: facts.result,
    steps: facts.steps.map((step) => ({
      id: step.id,
      kind: step.kind,
      name: step.name,
      ...(step.cacheKey ? { cacheKey: step.cacheKey } : {}),
      inputs: step.inputs,
      ...(step.line === undefined ? {} : { locations: [{ start: { line: step.line }, end: { line: step.line } }] }),
    })),
  };
}

/**
 * An image from an OCI layout or archive on this machine, named for its `pkg:oci/` material as
 * BuildKit names one (the reference inside the layout, not where it is): the directory's or file's
 * base name as a repository, with the tag or digest. The path itself stays out of the provenance.
 */
export function localImageName(ref: string): string {
  const match = /^oci-(?:layout|archive):\/\/(.*?)(?:@(sha256:[0-9a-f]{64}))?$/.exec(ref);
  let location = match?.[1] ?? ref;
  const digest = match?.[2];
  let tag: string | undefined;
  const colon = location.lastIndexOf(":");
  if (digest === undefined && colon > location.lastIndexOf("/")) {
    tag = location.slice(colon + 1);
    location = location.slice(0, colon);
  }
  const base = (location.replace(/\/+$/, "").split("/").pop() ?? "").replace(/\.tar$/, "").toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  const name = base || "layout";
  return digest ? `${name}@${digest}` : `${name}:${tag ?? "latest"}`;
}

/** A `--build-context` value naming a directory (not `docker-image://`, `oci-layout://` or a URL). */
function isLocalContext(value: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/**
 * `--build-context name=value` as buildx sends it to BuildKit, `context:NAME`: a directory as
 * `local:NAME` (its path is the client's business), anything else as given.
 */
export function provenanceContexts(flags: readonly string[]): Record<string, string> {
  const contexts: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf("=");
    if (eq <= 0) continue;
    const name = flag.slice(0, eq);
    const value = flag.slice(eq + 1);
    contexts[name] = isLocalContext(value) ? `local:${name}` : value;
  }
  return contexts;
}
