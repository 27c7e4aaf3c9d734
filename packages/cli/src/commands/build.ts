import { randomBytes } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { openContentStore, type ContentStore } from "@exp/content";
import { runExport, Timeline, type ExportOutcome } from "@exp/coordinator";
import { buildImage, type BuildImageResult } from "@exp/dockerfile";
import { ExpError, isAbortError, orAbsent } from "@exp/errors";
import { formatPlatform, type Platform } from "@exp/oci-spec";
import { createRegistryClient, createUrlFetcher, filePushLocks, type RegistryClient } from "@exp/registry";
import {
  ProgressReporter,
  type CacheExporterInstance,
  type CacheImporter,
  type CacheImporterInstance,
  type ExporterInstance,
  type ExportSource,
  type ImportedCache,
  type BytesEvent,
  type ProgressEvent,
  type VertexEvent,
} from "@exp/solver";
import { UsageError } from "../errors.js";
import { defaultStoreRoot, type CliIO } from "../io.js";
import { buildMetadata } from "../metadata.js";
import { CacheBackendNotFoundError, resolveCacheExporter, resolveCacheImporter, resolveExporter } from "../plugins/resolve.js";
import { createPrinter, effectiveMode, type ProgressMode, type ProgressPrinter } from "../progress/index.js";
import { addAnnotations, parseAnnotationFlags } from "../spec/annotation-flag.js";
import { parseLabelFlags } from "../spec/label-flag.js";
import { checkBuildContextNames, resolveBuildContexts } from "../spec/resolve-build-contexts.js";
import { planOutputs, type Spec } from "../spec/output.js";
import { chromeTrace } from "../trace.js";
import { BuildLog, historyRequest, messageOf, recordHistory } from "./build-record.js";
import { attestRequests, sbomScanOverride } from "../attest/requests.js";
import { provenanceContexts, withAttestations } from "../attest/make-attestations.js";
import { buildSummary, imageId } from "./build-summary.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Redactor } from "../util/redact.js";
import { outputWritable } from "../output-writable.js";

export interface BuildCommandOptions {
  file?: string;
  tag: string[];
  platform: Platform[];
  buildArg: string[];
  /** `--label` values, `key[=value]`. */
  label: string[];
  /** `--build-context` values, `name=source`. */
  buildContext: string[];
  /** `--annotation` values, `[type[,type…]:]key=value`. */
  annotation: string[];
  target?: string;
  output: Spec[];
  cacheTo: Spec[];
  cacheFrom: Spec[];
  progress: ProgressMode;
  metadataFile?: string;
  root?: string;
  sequentialExport?: boolean;
  push?: boolean;
  trace?: string;
  debug?: boolean;
  insecureRegistry: string[];
  quiet?: boolean;
  /** `--no-cache` (commander's negatable `cache`): false means no cache hits. */
  cache?: boolean;
  /** `--no-cache-filter`: the stages whose steps do not use the cache. */
  noCacheFilter?: string[];
  /** `--iidfile`: where to write the image id. */
  iidfile?: string;
  /** `--attest` values, and the `--provenance` / `--sbom` shorthands. */
  attest?: string[];
  provenance?: string;
  sbom?: string;
}

export interface BuildCommandContext {
  io: CliIO;
  /** Writes to stderr through the redactor the build installs. */
  setRedactor(redactor: Redactor): void;
  stderr(text: string): void;
}

/**
 * `exp build`: resolve every exporter first (an unknown type or a bad attribute fails before any
 * work), build, export through the coordinator, release the build's lease, then write the
 * metadata and trace files.
 */
export async function runBuild(contextArg: string | undefined, options: BuildCommandOptions, ctx: BuildCommandContext): Promise<number> {
  const { io } = ctx;
  const cwd = io.cwd;
  const buildArgs = buildArgsFrom(options.buildArg, io.env);
  const redactor = new Redactor(buildArgs);
  ctx.setRedactor(redactor);
  const tags = options.tag;
  const shown = createPrinter((text) => ctx.stderr(text), {
    mode: options.quiet ? "quiet" : options.progress,
    isTTY: io.isTTY,
    env: io.env,
    ...(io.stderr.columns ? { columns: io.stderr.columns } : {}),
    ...(io.stderr.rows ? { rows: io.stderr.rows } : {}),
  });
  // Every warning printed is also kept, for the history record and the metadata file.
  const log = new BuildLog();
  const printer: ProgressPrinter = {
    onEvent: (event) => shown.onEvent(event),
    warn: (message) => {
      log.warn(message);
      shown.warn(message);
    },
    close: () => shown.close(),
  };
  try {
    checkBuildContextNames(options.buildContext);
    const outputs = planOutputs({ outputs: options.output, tags, push: Boolean(options.push) }).map((o) => absolutePaths(o, cwd, ["dest"]));
    const annotations = parseAnnotationFlags(options.annotation);
    if (annotations.size > 0 && addAnnotations(outputs, annotations) === 0) {
      printer.warn(`--annotation: no output writes an image (${outputs.map((o) => o.type).join(", ")}), so the annotations are in no artifact`);
    }
    const labels = parseLabelFlags(options.label);
    const attest = attestRequests(options, io.env);
    const exporters: ExporterInstance[] = [];
    for (const output of outputs) exporters.push((await resolveExporter(output.type, { cwd })).resolve(output.attrs));
    const cacheExporters: CacheExporterInstance[] = [];
    // buildx turns on the inline cache with this build arg; BuildKit itself ignores it.
    const cacheTo = (buildArgs.BUILDKIT_INLINE_CACHE === "1" && !options.cacheTo.some((c) => c.type === "inline") ? [...options.cacheTo, { type: "inline", attrs: {} }] : options.cacheTo).map((c) =>
      absolutePaths(c, cwd, ["dest"]),
    );
    for (const spec of cacheTo) {
      // Defaults and credentials (AWS_*, AZURE_STORAGE_*, ACTIONS_*) come from the command's environment.
      cacheExporters.push((await resolveCacheExporter(spec.type, { cwd })).resolve(spec.attrs, { env: io.env }));
    }
    const importers: Array<{ spec: Spec; instance: CacheImporterInstance }> = [];
    for (const spec of options.cacheFrom.map((c) => absolutePaths(c, cwd, ["src"]))) {
      const instance = await resolveCacheImport(spec, cwd, printer, io.env);
      if (instance) importers.push({ spec, instance });
    }

    const root = options.root ? resolve(cwd, options.root) : resolve(cwd, defaultStoreRoot(io.env));
    const store = await openContentStore(root, io.signal ? { signal: io.signal } : {});
    const registry = createRegistryClient({
      insecure: options.insecureRegistry,
      env: { ...io.env },
      ...(io.env.HOME ? { homeDir: io.env.HOME } : {}),
      // Builds sharing a store share these: two of them pushing one layer to one repository at
      // the same moment send it once (the later one waits, then finds it there).
      pushLocks: filePushLocks(join(store.root, "locks", "push")),
    });
    // ADD <http(s) url>: the solver speaks no HTTP itself (issue 12); this client downloads.
    const http = createUrlFetcher();
    const buildId = newBuildId();
    const startedAt = preciseNow();
    // For --trace: the events with `at` replaced by the time they arrived, to the µs. The solver's
    // ProgressReporter stamps Date.now() (whole ms) and calls this listener synchronously, so the
    // arrival time is the emission time, finer.
    const vertexEvents: VertexEvent[] = [];
    const uploads: BytesEvent[] = [];
    const onProgress = (event: ProgressEvent) => {
      if (options.trace && event.type === "vertex") vertexEvents.push({ ...event, at: preciseNow() });
      if (options.trace && event.type === "bytes" && event.action === "uploading") uploads.push({ ...event, at: preciseNow() });
      log.onEvent(event);
      printer.onEvent(event);
    };
    let outcome: ExportOutcome | undefined;
    // The export's spans, kept by exp so that a failed or interrupted export still has them.
    const timeline = new Timeline();
    let exportRan = false;
    let failure: unknown;
    const context = resolve(cwd, contextArg ?? ".");
    const dockerfile = options.file ? resolve(cwd, options.file) : undefined;
    const request = historyRequest(
      {
        context,
        dockerfile: dockerfile ?? join(context, "Dockerfile"),
        ...(options.target ? { target: options.target } : {}),
        platforms: options.platform.map(formatPlatform),
        buildArgs,
        outputs,
        cacheTo,
        cacheFrom: options.cacheFrom.map((c) => absolutePaths(c, cwd, ["src"])),
      },
      redactor,
    );
    // As buildx: an image id file left from an earlier build is removed first, so that a failed
    // build never leaves one that names another image.
    if (options.iidfile) await rm(resolve(cwd, options.iidfile), { force: true });
    try {
      await checkInputs(context, dockerfile);
      const namedContexts = await resolveBuildContexts(options.buildContext, cwd, io.signal);
      const cacheFrom = await loadCacheImports(importers, { store, registry, printer, onProgress, ...(io.signal ? { signal: io.signal } : {}) });
      const build: BuildImageResult = await buildImage({
        ...(cacheFrom.length > 0 ? { cacheFrom } : {}),
        ...(options.cache === false ? { noCache: true } : {}),
        ...(options.noCacheFilter && options.noCacheFilter.length > 0 ? { noCacheFilter: options.noCacheFilter } : {}),
        context,
        ...(dockerfile ? { dockerfile } : {}),
        ...(options.platform.length > 0 ? { platforms: options.platform } : {}),
        ...(options.target ? { target: options.target } : {}),
        buildArgs,
        ...(Object.keys(labels).length > 0 ? { labels } : {}),
        ...(Object.keys(namedContexts).length > 0 ? { namedContexts } : {}),
        store,
        registry,
        http,
        // Layers are compressed as the exporters want them while they are written.
        layerCompressions: exporters.flatMap((exporter) => (exporter.layerCompression ? [exporter.layerCompression] : [])),
        ...(attest.sbom ? { sbom: sbomScanOverride(attest.sbom) } : {}),
        onProgress,
        ...(io.signal ? { signal: io.signal } : {}),
      });
      for (const warning of build.warnings) printer.warn(warning);
      try {
        const named: ExportSource = tags.length > 0 ? { ...build.source, metadata: { ...build.source.metadata, imageNames: tags } } : build.source;
        const source = await withAttestations(named, attest, {
          buildId,
          startedOn: new Date(startedAt),
          finishedOn: new Date(),
          facts: build.facts,
          buildArgs,
          labels,
          ...(options.target ? { target: options.target } : {}),
          platforms: options.platform.map(formatPlatform),
          namedContexts: provenanceContexts(options.buildContext),
          ...(options.cache === false ? { noCache: true } : options.noCacheFilter && options.noCacheFilter.length > 0 ? { noCache: options.noCacheFilter } : {}),
          ...(tags[0] ? { imageName: tags[0] } : {}),
          env: io.env,
          scanCache: { store, lease: build.lease, refresh: options.cache === false },
          warn: (message) => printer.warn(message),
          ...(io.signal ? { signal: io.signal } : {}),
        });
        exportRan = true;
        outcome = await runExport({
          source,
          exporters,
          cacheExporters,
          store,
          onProgress,
          buildId,
          // History is written masked by the coordinator itself, with the secrets the redactor knows.
          secrets: redactor.secrets,
          registry,
          // `-o -` writes to the stdout runCli was given, which is process.stdout only for the command.
          stdout: outputWritable(io.stdout),
          timeline,
          ...(options.sequentialExport ? { sequential: true } : {}),
          ...(io.signal ? { signal: io.signal } : {}),
        });
      } finally {
        await store.leases.release(build.lease);
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const canceled = failure !== undefined && Boolean(io.signal?.aborted) && isAbortError(failure);
      await recordHistory(store, { buildId, startedAt, exportRan, failure, canceled, labels: historyLabels(options, outputs, tags), request, log, redactor }).catch((error: unknown) =>
        printer.warn(`could not update build history: ${messageOf(error)}`),
      );
      printer.close();
      await registry.close().catch(() => undefined);
      await http.close().catch(() => undefined);
      // Both files are written whether the build succeeded or not (a failed build's trace and
      // build ref are what one needs to see why). After a failure, not being able to write one
      // is a warning: the build's own error is the one to report.
      const files: Array<[string, () => string]> = [];
      if (options.trace) {
        const exported = exportRan ? { timeline: timeline.entries, exportStartedAt: timeline.startedAt } : {};
        files.push([options.trace, () => JSON.stringify(chromeTrace({ startedAt, events: vertexEvents, bytes: uploads, ...exported }))]);
      }
      if (options.metadataFile) {
        const error = failure === undefined ? undefined : { message: redactor.redact(messageOf(failure)), ...(failure instanceof ExpError ? { code: failure.code } : {}) };
        const warnings = log.warnings.map((w) => redactor.redact(w));
        files.push([options.metadataFile, () => JSON.stringify(buildMetadata(outcome?.response ?? {}, buildId, { warnings, ...(error ? { error } : {}) }), null, 2)]);
      }
      for (const [file, content] of files) {
        const written = writeFileAtomic(resolve(cwd, file), `${content()}\n`);
        if (failure === undefined) await written;
        else await written.catch((error: unknown) => ctx.stderr(`WARNING: could not write ${file}: ${messageOf(error)}\n`));
      }
    }
    if (!outcome) throw new Error("internal: the export ended without an outcome");
    // buildx writes the id as -q prints it, without a newline; an export with no image (a local
    // output) has none, and then no file is written.
    const iid = imageId(outcome.response);
    if (options.iidfile && iid) await writeFileAtomic(resolve(cwd, options.iidfile), iid);
    if (options.quiet) {
      if (iid) io.stdout.write(`${iid}\n`);
    } else if (!["rawjson", "quiet"].includes(effectiveMode(options.progress, io.isTTY, io.env))) {
      // rawjson readers expect one event per line and nothing else; --progress=none shows nothing.
      ctx.stderr(buildSummary({ outputs, caches: cacheTo, response: outcome.response, root, cwd, tags, env: io.env, timeline: outcome.timeline }));
    }
    return 0;
  } finally {
    printer.close();
  }
}

/**
 * `--build-arg K=V`, and `--build-arg K` alone takes K from the environment (skipped when unset),
 * as buildx. SOURCE_DATE_EPOCH from the environment becomes the build arg unless one is given.
 */
export function buildArgsFrom(values: readonly string[], env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const args: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    if (eq === 0) throw new UsageError(`--build-arg ${JSON.stringify(value)}: the name before "=" is empty`);
    if (eq > 0) {
      Object.defineProperty(args, value.slice(0, eq), { value: value.slice(eq + 1), enumerable: true, writable: true, configurable: true });
      continue;
    }
    const fromEnv = env[value];
    if (fromEnv !== undefined) Object.defineProperty(args, value, { value: fromEnv, enumerable: true, writable: true, configurable: true });
  }
  const epoch = env.SOURCE_DATE_EPOCH;
  if (!Object.hasOwn(args, "SOURCE_DATE_EPOCH") && epoch !== undefined && epoch !== "") args.SOURCE_DATE_EPOCH = epoch;
  const given = args.SOURCE_DATE_EPOCH;
  if (given !== undefined && !/^\d+$/.test(given)) {
    throw new ExpError("ERR_INVALID_SOURCE_DATE_EPOCH", `SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 (got ${JSON.stringify(given)})`);
  }
  return args;
}

/**
 * `--cache-from`: resolving the importer checks that its package is installed and its attributes
 * are valid. A failure never fails the build (BuildKit treats a failed import as "no cache"); it
 * is a warning, and the build goes on without that cache.
 */
async function resolveCacheImport(spec: Spec, cwd: string, printer: ProgressPrinter, env: Readonly<Record<string, string | undefined>>): Promise<CacheImporterInstance | undefined> {
  try {
    const importer = (await resolveCacheImporter(spec.type, { cwd })) as CacheImporter;
    return importer.resolve(spec.attrs, { env });
  } catch (error) {
    // A missing package already names the type and the package to install.
    const where = error instanceof CacheBackendNotFoundError ? "" : `--cache-from type=${spec.type}: `;
    printer.warn(`${where}${messageOf(error)}; building without this cache`);
    return undefined;
  }
}

/** Loads every cache to import, each under its own progress vertex; a failed or missing one is a warning. */
async function loadCacheImports(
  importers: ReadonlyArray<{ spec: Spec; instance: CacheImporterInstance }>,
  ctx: { store: ContentStore; registry: RegistryClient; printer: ProgressPrinter; onProgress: (event: ProgressEvent) => void; signal?: AbortSignal },
): Promise<ImportedCache[]> {
  const root = ProgressReporter.root(ctx.onProgress);
  const loaded = await Promise.all(
    importers.map(async ({ spec, instance }, i) => {
      const vertex = root.child(`import-${i}`, instance.name);
      try {
        const cache = await vertex.run(
          () => instance.load({ store: ctx.store, registry: ctx.registry, progress: vertex, signal: ctx.signal ?? new AbortController().signal }),
          ctx.signal,
        );
        if (!cache) ctx.printer.warn(`--cache-from type=${spec.type}: no cache found there yet; building without it`);
        return cache;
      } catch (error) {
        if (ctx.signal?.aborted) throw error;
        ctx.printer.warn(`--cache-from type=${spec.type}: ${messageOf(error)}; building without this cache`);
        return undefined;
      }
    }),
  );
  return loaded.filter((c): c is ImportedCache => c !== undefined);
}

/** The context and the Dockerfile, checked up front so that a typo gets a plain message instead of an ENOENT. */
async function checkInputs(context: string, dockerfile: string | undefined): Promise<void> {
  const contextStat = await orAbsent(stat(context), "stat", context, { expected: "the build context directory" });
  if (!contextStat?.isDirectory()) {
    throw new ExpError("ERR_CONTEXT_NOT_FOUND", `the build context ${context} ${contextStat ? "is not a directory" : "does not exist"}`);
  }
  const file = dockerfile ?? join(context, "Dockerfile");
  const fileStat = await orAbsent(stat(file), "stat", file, { expected: "the Dockerfile, a regular file" });
  if (!fileStat?.isFile()) {
    throw new ExpError("ERR_DOCKERFILE_NOT_FOUND", `cannot read the Dockerfile: ${file} ${fileStat ? "is not a file" : "does not exist"}${dockerfile ? "" : " (pass -f to use another file)"}`);
  }
}

/** Relative `dest=`/`src=` paths are the user's, relative to the working directory (not exp's). */
function absolutePaths(spec: Spec, cwd: string, keys: readonly string[]): Spec {
  const attrs = { ...spec.attrs };
  for (const key of keys) {
    const value = attrs[key];
    if (value !== undefined && value !== "" && value !== "-") attrs[key] = resolve(cwd, value);
  }
  return { type: spec.type, attrs };
}

/** ms since the epoch with a fraction, from the monotonic high-resolution clock. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** 25 characters of [a-z0-9], like BuildKit's build refs. */
export function newBuildId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(25)].map((b) => alphabet[b % alphabet.length]).join("");
}

function historyLabels(options: BuildCommandOptions, outputs: readonly Spec[], tags: readonly string[]): Record<string, string> {
  return {
    "exp.io/frontend": "dockerfile",
    "exp.io/outputs": outputs.map((o) => o.type).join(","),
    ...(tags.length > 0 ? { "exp.io/names": tags.join(",") } : {}),
    ...(options.platform.length > 0 ? { "exp.io/platforms": options.platform.map(formatPlatform).join(",") } : {}),
    ...(options.target ? { "exp.io/target": options.target } : {}),
  };
}
