import type { ContentStore } from "@exp/content";
import { throwIfAborted } from "@exp/errors";
import { platformKey, type Descriptor, type Digest } from "@exp/oci-spec";
import type { RegistryApi } from "@exp/oci-spec";
import {
  checksumCopy,
  CopyPlanBuilder,
  contextFsSource,
  createIgnoreMatcher,
  inlineFilesSource,
  mergeCopyPlans,
  selectCopySources,
  tarChainFsSource,
  walkContext,
  layerTarStream,
  FileModeChange,
  FsIndex,
  resolveLayerEntries,
  type ContentHashCache,
  type FileIdentity,
  type CopyAttributes,
  type CopyPlan,
  type FsEntry,
  type FsSource,
} from "../fs/index.js";
import { openArchive } from "../fs/archive/open-archive.js";
import type { CompressionRequest } from "../layers/compression.js";
import { ingestLayerTar } from "../layers/ingest-layer-tar.js";
import { uncompressedLabel } from "../layers/layer-blob.js";
import type { Layer } from "../layers/layer.js";
import { createRef, type Ref } from "../layers/ref.js";
import { remoteLayer } from "../layers/remote-layer.js";
import { storedLayer } from "../layers/stored-layer.js";
import type { ImportedCache, ImportedLayer } from "../exporter/cache-importer.js";
import type { ProgressReporter } from "../progress/reporter.js";
import { progressBytes } from "../progress/units.js";
import { archiveFetcher } from "../sources/archive-fetcher.js";
import type { BlobFetcher } from "../sources/blob-fetcher.js";
import { layoutFetcher } from "../sources/layout-fetcher.js";
import { layoutDigestFetcher } from "./layout-digest-fetcher.js";
import { registryFetcher } from "../sources/registry-fetcher.js";
import { resolveImage, type BaseImage } from "../sources/resolve-image.js";
import type { UrlFetcher } from "../sources/url-fetcher.js";
import { CacheRecords } from "./cache-records.js";
import { HttpResolver } from "./http-resolver.js";
import { resolveChown } from "./chown.js";
import { collectMaterials, type BuildMaterials } from "./build-materials.js";
import { collectSteps, type BuildSteps } from "./build-steps.js";
import { digestOfValue } from "./canonical.js";
import type { CopyNode, FsNode, HttpNode, ImageNode, LocalNode, MkdirNode } from "./nodes.js";
import { MissingRegistryClientError, markFailedNode } from "./solve-errors.js";

export interface SolverOptions {
  store: ContentStore;
  /** The build's lease: every blob the solve writes or downloads is held by it. */
  lease: string;
  progress: ProgressReporter;
  /** Needed only for base images from a registry. */
  registry?: RegistryApi;
  /**
   * Needed only for http nodes (`ADD <url>`): the solver speaks no HTTP itself. Without it such a
   * build fails with MissingUrlFetcherError (ERR_URL_FETCHER_REQUIRED).
   */
  http?: UrlFetcher;
  /**
   * SOURCE_DATE_EPOCH in seconds: the creation time recorded for every layer the build writes
   * (what cache records and image history say), so a rebuild gives the same records.
   */
  sourceDateEpoch?: number;
  /**
   * With `sourceDateEpoch`, also clamp the file times later than it in every layer the build
   * writes, so a rebuild of the same files in another checkout gives the same layer digests: what
   * an exporter's `rewrite-timestamp=true` does to the layers at export (BuildKit), done once
   * here. BuildKit's layers keep their files' times, and so do these without it.
   */
  rewriteTimestamp?: boolean;
  /** File-content hashes from earlier builds (loadHashCache); this build adds to it. */
  hashCache?: ContentHashCache;
  /**
   * The compressions the build's exporters will ask for (ExporterInstance.layerCompression): each
   * layer the build writes is compressed that way while it is written, so compression overlaps
   * the COPY instead of following it, and the export finds the blobs made.
   */
  layerCompressions?: readonly CompressionRequest[];
  /** Caches imported with `--cache-from`: a key missing locally is looked up in them, in order. */
  imported?: readonly ImportedCache[];
  /**
   * BuildKit's `no-cache`: the steps it names (true: every step) are written again, whatever the
   * local cache or an imported one holds; what they write is recorded as usual, so the next build
   * can hit it. A set names COPY and WORKDIR nodes, as `--no-cache-filter` picks a stage's steps.
   */
  noCache?: boolean | ReadonlySet<FsNode>;
  signal?: AbortSignal;
}

/** A solved node: its filesystem as a layer chain, and the cache key that names it. */
export interface SolvedFs {
  readonly ref: Ref;
  readonly cacheKey: Digest;
  /** True when nothing had to be written (every layer came from the cache or a base image). */
  readonly cached: boolean;
  /** For image nodes (and what derives from them): the base image. */
  readonly base?: BaseImage;
}

/**
 * Executes a build graph. Each node is solved once per Solver (shared nodes are not redone), its
 * cache key is computed from its definition, its inputs' keys and a checksum of the content it
 * reads, and a key found in the local cache gives its layer back without writing anything.
 */
export class Solver {
  private readonly memo = new Map<FsNode, Promise<SolvedFs>>();
  private readonly sources = new Map<FsNode, Promise<FsSource>>();
  private readonly trees = new Map<FsNode, Promise<FsIndex>>();
  /** What a COPY or WORKDIR node wrote into its layer this build (paths relative, as in its tar). */
  private readonly written = new Map<FsNode, readonly FsEntry[]>();
  /** Every layer a solve produced or came across, by diffID (ExportSource.knownLayer). */
  private readonly layers = new Map<Digest, Layer>();
  /** Image nodes are solved once per reference and platform, however many node objects name them. */
  private readonly images = new Map<string, Promise<SolvedFs>>();
  private readonly records: CacheRecords;
  private readonly http: HttpResolver;
  private vertexCount = 0;

  constructor(private readonly options: SolverOptions) {
    this.records = new CacheRecords(options.store);
    this.http = new HttpResolver({
      store: options.store,
      lease: options.lease,
      fetcher: options.http,
      vertex: (name) => this.vertex(name),
      userAgent: "exp (BuildKit-compatible builder)",
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  solve(node: FsNode): Promise<SolvedFs> {
    let pending = this.memo.get(node);
    if (!pending) {
      pending = this.solveNode(node).then((solved) => {
        for (const layer of solved.ref.layers) if (!this.layers.has(layer.diffID)) this.layers.set(layer.diffID, layer);
        return solved;
      });
      this.memo.set(node, pending);
    }
    return pending;
  }

  /** The images and downloads `node`'s result was made from, pinned by digest (for provenance). */
  materialsOf(node: FsNode): Promise<BuildMaterials> {
    return collectMaterials(node, {
      image: async (image) => (await this.solve(image)).base!.resolvedDigest,
      http: async (http) => (await this.http.resolve(http)).digest,
    });
  }

  /** `node`'s build graph as steps with their cache keys (for provenance's mode=max). */
  stepsOf(node: FsNode): Promise<BuildSteps> {
    return collectSteps(node, {
      solved: async (solved) => (await this.solve(solved)).cacheKey,
      http: async (http) => (await this.http.resolve(http)).cacheKey,
    });
  }

  /**
   * The filesystem `node` makes, as a COPY from it reads it (an SBOM's scan of the build
   * context): a context as walked (its excludes applied), anything else as its layers' union.
   */
  fsOf(node: FsNode): Promise<FsSource> {
    return this.source(node);
  }

  /** A layer this solver produced or came across (for cache exporters), by diffID. */
  layerFor(diffID: Digest): Layer | undefined {
    return this.layers.get(diffID);
  }

  private async solveNode(node: FsNode): Promise<SolvedFs> {
    throwIfAborted(this.options.signal, "build");
    switch (node.kind) {
      case "scratch":
        return { ref: createRef([]), cacheKey: digestOfValue({ v: 1, op: "scratch" }), cached: true };
      case "image": {
        const key = `${node.ref}|${platformKey(node.platform)}`;
        let pending = this.images.get(key);
        if (!pending) this.images.set(key, (pending = this.solveImage(node)));
        return pending;
      }
      case "local":
        throw new TypeError("a local directory is only a COPY source, not a filesystem to build on");
      case "http":
        throw new TypeError("a downloaded file is only a COPY source, not a filesystem to build on");
      case "copy":
        return this.solveCopy(node);
      case "mkdir":
        return this.solveMkdir(node);
    }
  }

  /** WORKDIR's `mkdir -p`, a layer of its own (empty when the directory exists). */
  private solveMkdir(node: MkdirNode): Promise<SolvedFs> {
    return this.step(node, async (base, vertex) => {
      const cacheKey = digestOfValue({ v: 1, op: "mkdir", path: node.path, user: node.user, base: base.cacheKey, epoch: this.options.sourceDateEpoch, mtimes: this.mtimesKey() });
      return this.addLayer(node, base, vertex, cacheKey, async () => {
        const builder = new CopyPlanBuilder(0, node.base.kind === "scratch" ? undefined : await this.treeOf(node.base));
        builder.mkdirAll(builder.tree.resolve(node.path, true), emptyFsSource);
        const chown = node.user ? await resolveChown(node.user, () => this.source(node.base), this.options.signal) : undefined;
        return { plan: builder.build(), attributes: chown ? { chown } : {}, inputs: [base.cacheKey] };
      });
    });
  }

  /** Runs a step's vertex around `run`: started, then its outcome; a failure names the node (failedNodeOf). */
  private async step(node: CopyNode | MkdirNode, run: (base: SolvedFs, vertex: ProgressReporter) => Promise<SolvedFs>): Promise<SolvedFs> {
    const base = await this.solve(node.base);
    // A step's inputs are solved before it starts, as in BuildKit, where `[internal] load build
    // context` (or another stage) is a vertex of its own that the COPY waits for.
    if (node.kind === "copy" && node.from) {
      const from = node.from;
      await (from.kind === "local" ? this.source(from) : from.kind === "http" ? this.http.resolve(from) : this.solve(from)).catch((error: unknown) => {
        markFailedNode(error, node);
        throw error;
      });
    }
    // Its inputs took time (a base pulled, a context hashed): a Ctrl-C meanwhile stops here, before
    // the step starts, even when every step would be a cache hit.
    throwIfAborted(this.options.signal, "build");
    const vertex = this.vertex(node.description);
    vertex.status("started");
    try {
      return await run(base, vertex);
    } catch (error) {
      vertex.status(this.options.signal?.aborted ? "canceled" : "error", error);
      markFailedNode(error, node);
      throw error;
    }
  }

  /**
   * A step's layer on top of its base: the cached one for `cacheKey`, or the one `write` plans
   * (what it wrote is kept for treeOf).
   */
  private async addLayer(
    node: CopyNode | MkdirNode,
    base: SolvedFs,
    vertex: ProgressReporter,
    cacheKey: Digest,
    write: () => Promise<{ plan: CopyPlan; attributes: CopyAttributes; inputs: Digest[] }>,
  ): Promise<SolvedFs> {
    const hit = this.ignoresCache(node) ? undefined : await this.cachedLayer(cacheKey);
    let layer = hit;
    if (!layer) {
      const { plan, attributes, inputs } = await write();
      layer = await this.writeLayer(cacheKey, { inputs, ...(node.base.kind === "scratch" ? {} : { base: base.cacheKey }) }, plan, node.description, attributes, vertex);
      this.written.set(node, resolveLayerEntries(plan, attributes));
    }
    vertex.status(hit ? "cached" : "completed");
    return { ref: createRef([...base.ref.layers, layer]), cacheKey, cached: base.cached && hit !== undefined, ...(base.base ? { base: base.base } : {}) };
  }

  private ignoresCache(node: FsNode): boolean {
    const noCache = this.options.noCache;
    return noCache === true || (typeof noCache === "object" && noCache.has(node));
  }

  /**
   * The layer of `key` from the local cache (held by the build's lease), else from the first
   * imported cache that has it, else undefined.
   */
  private async cachedLayer(key: Digest): Promise<Layer | undefined> {
    const record = await this.records.get(key, this.signalOption());
    if (record) {
      await this.options.store.leases.addResource(this.options.lease, record.diffID);
      return storedLayer(this.options.store, { ...record, createdAt: new Date(record.createdAt) });
    }
    const imported = this.importedLayer(key);
    if (!imported) return undefined;
    // A hit in an imported cache: the layer stays in the cache until someone needs its bytes.
    // Its chain is recorded so this build's own records, and a cache exported from it, can name it.
    await this.records.putKnownChain(
      key,
      { layers: imported.chain.map((l) => ({ diffID: l.diffID, blob: l.descriptor, ...(l.createdAt ? { createdAt: l.createdAt } : {}) })), inputs: imported.inputs },
      { lease: this.options.lease, ...this.signalOption() },
    );
    return imported.layer;
  }

  private vertex(name: string): ProgressReporter {
    return this.options.progress.child(`op-${this.vertexCount++}`, name);
  }

  private async solveImage(node: ImageNode): Promise<SolvedFs> {
    const vertex = this.vertex(node.description ?? `FROM ${node.ref}`);
    return this.resolveImageNode(node, vertex).catch((error: unknown) => {
      markFailedNode(error, node);
      throw error;
    });
  }

  private resolveImageNode(node: ImageNode, vertex: ProgressReporter): Promise<SolvedFs> {
    return vertex.run(async () => {
      const fetcher = await this.fetcher(node.ref);
      const base = await resolveImage(fetcher, node.platform, { store: this.options.store, lease: this.options.lease, ...this.signalOption() });
      for (const warning of base.warnings) vertex.warn(warning);
      const cacheKey = digestOfValue({ v: 1, op: "image", manifest: base.manifest.digest, platform: platformKey(node.platform) });
      await this.records.putKnownChain(
        cacheKey,
        { layers: base.layers.map((l) => ({ diffID: l.diffID, blob: l.knownBlobs![0]!, ...(l.createdAt ? { createdAt: l.createdAt.toISOString() } : {}) })) },
        { lease: this.options.lease, ...this.signalOption() },
      );
      return { ref: createRef(base.layers), cacheKey, cached: true, base };
    }, this.options.signal);
  }

  private solveCopy(node: CopyNode): Promise<SolvedFs> {
    return this.step(node, async (base, vertex) => {
      // Reading the files a COPY takes is needed for its key only when they come from the build
      // context; from another node (a stage, an image) that node's key already names its content,
      // so a cache hit reads nothing there (BuildKit's definition-based key).
      const fromLocal = node.from?.kind === "local";
      const plan: CopyPlan | undefined = fromLocal || !node.from ? await this.copyPlan(node, node.from ? await this.source(node.from) : undefined) : undefined;
      const content = plan ? await checksumCopy(plan, this.signalOption()) : await this.sourceKey(node.from!);
      // v2: files are placed onto the base as BuildKit's copier places them (v1 placed them on nothing).
      const cacheKey = digestOfValue({
        v: 2,
        op: "copy",
        sources: node.sources,
        dest: node.dest,
        workdir: node.workdir,
        chown: node.chown,
        chmod: node.chmod,
        parents: node.parents,
        exclude: node.exclude,
        // The archive's bytes are in `content`; whether they are extracted is this.
        unpack: node.unpack || undefined,
        // --link makes the layer independent of what it is copied onto (unless owner names must
        // be looked up in it).
        base: node.link && !(node.chown && "user" in node.chown) ? undefined : base.cacheKey,
        epoch: this.options.sourceDateEpoch,
        mtimes: this.mtimesKey(),
        content,
      });
      return this.addLayer(node, base, vertex, cacheKey, async () => {
        // Placing files onto the base (symlinked parents, existing directories, a file onto a
        // directory) needs the base's tree; --link and FROM scratch place them on nothing.
        const onto = node.link || node.base.kind === "scratch" ? undefined : await this.treeOf(node.base);
        const from = node.from ? await this.source(node.from) : undefined;
        const writePlan = onto || !plan || node.unpack ? await this.copyPlan(node, from, onto, node.unpack) : plan;
        const chown = node.chown ? await resolveChown(node.chown, () => this.source(node.base), this.options.signal) : undefined;
        const chmod = typeof node.chmod === "string" ? FileModeChange.parse(node.chmod) : node.chmod;
        const attributes: CopyAttributes = { ...(chown ? { chown } : {}), ...(chmod !== undefined ? { chmod } : {}) };
        const inputs = [...(node.link ? [] : [base.cacheKey]), ...(node.from ? [await this.sourceKey(node.from)] : [])];
        return { plan: writePlan, attributes, inputs };
      });
    });
  }

  /**
   * What a COPY writes. Without `onto` the files are placed on an empty filesystem, which is what
   * the cache key is computed from (the base is in the key already) and what --link writes.
   */
  /** What a COPY writes; with `unpack` (ADD, when writing the layer) archives among the sources are extracted. */
  private async copyPlan(node: CopyNode, from: FsSource | undefined, onto?: FsIndex, unpack = false): Promise<CopyPlan> {
    const plans: CopyPlan[] = [];
    const placement = { workdir: node.workdir, ...(onto ? { onto } : {}), ...this.signalOption() };
    if (from && node.sources.length > 0) {
      const archives = unpack ? { unpack: (entry: FsEntry, source: FsSource) => openArchive(source, entry, { store: this.options.store, lease: this.options.lease, ...this.signalOption() }) } : {};
      plans.push(await selectCopySources(from, [...node.sources], node.dest, { ...placement, exclude: [...node.exclude], parents: node.parents, ...archives }));
    }
    if (node.inline.length > 0) {
      plans.push(await selectCopySources(inlineFilesSource(node.inline), node.inline.map((f) => f.name), node.dest, placement));
    }
    return mergeCopyPlans(plans);
  }

  /**
   * The filesystem a node produces, indexed by path (once per node). A COPY or WORKDIR node's is
   * its base's with its own layer applied: the entries it just wrote, or its cached layer's, read
   * alone. So a Dockerfile of many steps on a big base reads the base once, not once a step.
   */
  private treeOf(node: FsNode): Promise<FsIndex> {
    let pending = this.trees.get(node);
    if (!pending) {
      pending = this.buildTree(node);
      this.trees.set(node, pending);
    }
    return pending;
  }

  private async buildTree(node: FsNode): Promise<FsIndex> {
    if (node.kind === "scratch") return new FsIndex([]);
    if (node.kind !== "copy" && node.kind !== "mkdir") return new FsIndex(await (await this.source(node)).list(this.signalOption()));
    const [solved, base] = await Promise.all([this.solve(node), this.treeOf(node.base)]);
    let changes = this.written.get(node);
    if (!changes) {
      const top = solved.ref.layers.at(-1) as Layer;
      changes = await tarChainFsSource([{ open: () => top.openTar(this.signalOption()) }]).list(this.signalOption());
    }
    return base.withChanges(changes);
  }

  /**
   * How file times reach the layers, in the cache key whenever there is an epoch: before
   * `rewriteTimestamp` existed an epoch always clamped them, so a key without this field and with
   * an epoch names a clamped layer, and neither value here may find one.
   */
  private mtimesKey(): "clamp" | "keep" | undefined {
    if (this.options.sourceDateEpoch === undefined) return undefined;
    return this.options.rewriteTimestamp ? "clamp" : "keep";
  }

  /**
   * Writes the layer tar straight into the content store (which hashes it), with the compressed
   * blobs the exporters will want made from the same bytes (ingestLayerTar), and records it.
   */
  private async writeLayer(
    cacheKey: Digest,
    links: { inputs: Digest[]; base?: Digest },
    plan: CopyPlan,
    description: string,
    attributes: CopyAttributes,
    vertex: ProgressReporter,
  ): Promise<Layer> {
    const epoch = this.options.sourceDateEpoch;
    const clamp = epoch !== undefined && this.options.rewriteTimestamp === true;
    const tar = layerTarStream(plan, { ...attributes, mtime: clamp ? { mode: "clamp", epochSeconds: epoch } : { mode: "keep" }, ...this.signalOption() });
    // The store hashes what it ingests: that digest is the diffID.
    const { diffID, size } = await ingestLayerTar(this.options.store, tar, {
      lease: this.options.lease,
      ...(this.options.layerCompressions ? { compressions: this.options.layerCompressions } : {}),
      // "compressing gzip" under the step: the bytes of the layer compressed while it is written.
      onCompressing: (type, current, total) => vertex.bytes(type, "compressing", current, total),
      onCompressionFailed: (request, error) => vertex.warn(`${request.type} of the layer while writing it failed, so the export makes it: ${error instanceof Error ? error.message : String(error)}`),
      ...this.signalOption(),
    });
    await this.options.store.setLabels(diffID, { [uncompressedLabel]: diffID });
    const createdAt = epoch === undefined ? new Date() : new Date(epoch * 1000);
    await this.records.put(cacheKey, { ...links, diffID, size, createdAt: createdAt.toISOString(), description }, { lease: this.options.lease, ...this.signalOption() });
    return storedLayer(this.options.store, { diffID, size, createdAt, description });
  }

  /** The layer a key's record gives in the first imported cache that has it, lazily fetched from there. */
  private importedLayer(key: Digest): { layer: Layer; chain: readonly ImportedLayer[]; inputs: readonly Digest[] } | undefined {
    for (const cache of this.options.imported ?? []) {
      const chain = cache.results.get(key);
      const top = chain?.at(-1);
      if (!top) continue;
      const fetcher: BlobFetcher = {
        name: cache.name,
        ...(cache.origin ? { origin: cache.origin } : {}),
        fetch: (descriptor, options) => cache.fetch(descriptor as Descriptor, options),
        root: () => Promise.reject(new Error("an imported cache has no root manifest to read")),
        fetchDocument: () => Promise.reject(new Error("an imported cache has no documents to read")),
      };
      const layer = remoteLayer({
        fetcher,
        descriptor: top.descriptor,
        diffID: top.diffID,
        store: this.options.store,
        lease: this.options.lease,
        ...(top.createdAt ? { createdAt: new Date(top.createdAt) } : {}),
      });
      return { layer, chain: chain!, inputs: cache.inputs.get(key) ?? [] };
    }
    return undefined;
  }

  /**
   * The key of a COPY source: a local directory has none of its own (its content is in the
   * checksum); an http node's names its file (see HttpResolver).
   */
  private async sourceKey(node: FsNode): Promise<Digest> {
    if (node.kind === "http") return (await this.http.resolve(node)).cacheKey;
    return node.kind === "local" ? digestOfValue({ v: 1, op: "local" }) : (await this.solve(node)).cacheKey;
  }

  /** A node as something to copy files from: the context directory, or another node's filesystem. */
  private source(node: FsNode): Promise<FsSource> {
    let pending = this.sources.get(node);
    if (!pending) {
      pending =
        node.kind === "local"
          ? this.localSource(node)
          : node.kind === "http"
            ? this.httpSource(node)
            : this.solve(node).then((solved) => tarChainFsSource(solved.ref.layers.map((l) => ({ open: () => l.openTar(this.signalOption()) }))));
      this.sources.set(node, pending);
    }
    return pending;
  }

  private async httpSource(node: HttpNode): Promise<FsSource> {
    return (await this.http.resolve(node)).source();
  }

  private async localSource(node: LocalNode): Promise<FsSource> {
    const vertex = this.vertex("[internal] load build context");
    return vertex.run(async () => {
      const matcher = createIgnoreMatcher([...node.excludes]);
      const hashCache = this.options.hashCache;
      const knownXattrs = hashCache ? { knownXattrs: (file: FileIdentity) => hashCache.knownXattrs(file) } : {};
      const entries = await walkContext(node.path, { matcher, ...knownXattrs, ...this.signalOption() });
      // BuildKit's line for the context the client sent; here, what the build may read of it.
      vertex.oneOff("transfer", `transferring context: ${progressBytes(entries.reduce((sum, e) => sum + e.size, 0))}`)();
      return contextFsSource(node.path, entries, this.options.hashCache ? { hashCache: this.options.hashCache } : {});
    }, this.options.signal);
  }

  /** `oci-layout://dir[:tag]`, `oci-archive://file.tar[:tag]`, or a registry reference. */
  private async fetcher(ref: string): Promise<BlobFetcher> {
    if (ref.startsWith("oci-layout://")) {
      const byDigest = /^(.+)@(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/.exec(ref.slice("oci-layout://".length));
      if (byDigest) return layoutDigestFetcher(byDigest[1]!, byDigest[2]! as Digest);
      const [path, tag] = splitTag(ref.slice("oci-layout://".length));
      return layoutFetcher(path, tag);
    }
    if (ref.startsWith("oci-archive://")) {
      const [path, tag] = splitTag(ref.slice("oci-archive://".length));
      return archiveFetcher(path, tag, this.options.store, { lease: this.options.lease, ...this.signalOption() });
    }
    return registryFetcher(this.requireRegistry(ref), ref);
  }

  private requireRegistry(ref: string): RegistryApi {
    if (!this.options.registry) throw new MissingRegistryClientError(ref);
    return this.options.registry;
  }

  private signalOption(): { signal?: AbortSignal } {
    return this.options.signal ? { signal: this.options.signal } : {};
  }
}

/** A filesystem with nothing in it: where WORKDIR's directories "come from" (they have no content). */
const emptyFsSource = inlineFilesSource([]);

/** "path[:tag]": a tag is what follows the last colon, unless that colon is part of the path. */
function splitTag(spec: string): [string, string | undefined] {
  const colon = spec.lastIndexOf(":");
  return colon > 0 && !spec.slice(colon).includes("/") ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
}
