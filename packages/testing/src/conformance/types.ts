/**
 * The shapes the conformance suite works with. They are structural copies of what @exp/solver,
 * @exp/content and @exp/coordinator define, not imports: those packages test with this one, and a
 * third-party plugin may be built against another version of them. Only what the suite touches is
 * named here.
 */

/** The part of @exp/content's ContentStore the suite uses. */
export interface ConformanceStore {
  gc(options?: { signal?: AbortSignal }): Promise<unknown>;
  exists(digest: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  leases: { list(options?: { signal?: AbortSignal }): Promise<Array<{ id: string; labels?: Record<string, string> }>> };
}

/** Anything that can be released (a descriptor reference, a cache exporter's hold). */
export interface ConformanceReleasable {
  release(): Promise<void>;
}

/** What a create phase returns: an exporter's ExportResult or a cache exporter's CacheExportResult. */
export interface ConformanceExportResult {
  response?: Readonly<Record<string, string>>;
  descref?: ConformanceReleasable & { descriptor: { digest: string; mediaType: string; size: number } };
  hold?: ConformanceReleasable;
  finalize?: (ctx: { signal: AbortSignal; progress: unknown }) => Promise<void>;
}

/** An Exporter or a (remote) CacheExporter: `resolve(attrs)` gives an instance with `export()`. */
export interface ConformanceExporter {
  readonly type: string;
  resolve(attrs: Readonly<Record<string, string>>): { readonly type: string; readonly name: string; export?: unknown };
}

/** A progress event as @exp/solver reports it; only its type is looked at. */
export interface ConformanceProgressEvent {
  type: string;
}

/**
 * One export's worth of everything the exporter reads: a fresh store, the source to export, and a
 * way to make its ExportContext. `conformanceSetup` makes the usual one from a small Dockerfile.
 */
export interface ConformanceFixture {
  store: ConformanceStore;
  /** The ExportSource handed to `export()`. */
  source: unknown;
  /** A fresh directory of this fixture, removed by cleanup. */
  dir: string;
  /**
   * The context of one create phase (ExportContext or CacheExportContext: signal, store, blobs,
   * progress, buildId, registry). Its `progress` is also the finalize context's. `onProgress`
   * sees every progress event the exporter reports.
   */
  context(options: { signal: AbortSignal; onProgress?: (event: ConformanceProgressEvent) => void }): { signal: AbortSignal; progress: unknown };
  cleanup(): Promise<void>;
}

/** A request a server saw, in order: a FaultProxy's `stats.log` entries fit. */
export interface ConformanceRequest {
  method: string;
  path: string;
  /** The status the client was sent; absent when it got none (it went away first). */
  status?: number;
  /** When the server saw it (ms since the epoch), to say when a late request came. */
  startedAt?: number;
  /** When the exchange ended; absent while it is open. A request with neither this nor a status is taken to be still running. */
  endedAt?: number;
}

/**
 * How the suite looks at an exporter's artifact at a destination. The caller knows its format:
 * for a registry push, the tag's manifest and every blob fetched from the registry itself and
 * digest-checked; for a file, that it is at the destination and parses; for a cache, its manifest
 * and the blobs it names.
 */
export interface ArtifactProbe {
  /** Resolves when the artifact at `target` is complete and reads back verified; otherwise throws, saying what is wrong. */
  verify(target: string, options: { signal: AbortSignal }): Promise<void>;
  /**
   * Everything of an artifact that is at `target`, complete or not, named for a failure message
   * ("tag v1", "out.tar", ".out_tar.x1y2.tmp"); empty when nothing is. What is present but does not
   * verify is a partial artifact.
   */
  present(target: string, options: { signal: AbortSignal }): Promise<string[]>;
}

export interface ConformanceOptions {
  /** Names the describe block; default the exporter's type. */
  name?: string;
  /** The exporter or cache exporter under test. An inline cache has no create phase of its own: check the exporter that embeds it. */
  exporter: ConformanceExporter;
  /** A fresh fixture for each check (see conformanceSetup). */
  setup: () => Promise<ConformanceFixture>;
  /**
   * A fresh destination for one export, unique per `id`: a path, a repository, a key prefix.
   * Default `<fixture dir>/dest-<id>/out`, its parent made empty for it (so `present` can list it).
   */
  target?: (fixture: { dir: string; id: string }) => string | Promise<string>;
  /** Valid attributes that export to `target`. */
  attrs: (target: string) => Record<string, string>;
  artifact: ArtifactProbe;
  /**
   * The phase that writes the artifact at its destination. "finalize" (the default) for pushes,
   * uploads and deliveries; "create" for local I/O done in the create phase, as type=oci, docker,
   * local and tar do (they return no finalize).
   */
  writes?: "finalize" | "create";
  /**
   * For an exporter that talks to a server: the requests the server saw, in order (put a
   * FaultProxy in front of it and pass `() => proxy.stats.log`). The log must only grow while a
   * check runs. Every request but GET, HEAD and OPTIONS counts as a write.
   */
  requests?: () => readonly ConformanceRequest[];
  /**
   * Makes the destination slow (e.g. a FaultProxy delay on every request) so that the abort check
   * can catch a finalize mid-way; returns what undoes it. Without it, finalize is aborted right
   * after it is called, before its first await resolves.
   */
  throttle?: () => Promise<() => Promise<void>> | (() => Promise<void>);
  /** The exporter returns a root descriptor (image-like exporters): its descref is checked too. */
  descref?: boolean;
  /** Two exports of one source give the same `containerimage.digest` (true with SOURCE_DATE_EPOCH). */
  reproducible?: boolean;
  /** How long an aborted phase may take to return. Default 2000 ms. */
  abortBoundMs?: number;
}
