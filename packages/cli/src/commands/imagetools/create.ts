import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parsePlatform, type ImageReference, type Platform } from "@exp/oci-spec";
import { HostLimiters } from "@exp/registry";
import type { CliIO } from "../../io.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { combine } from "./combine.js";
import { copyManifest, emptyStats, type CopyClients, type CopyStats } from "./copy-manifest.js";
import { parseCreateAnnotations } from "./create-annotations.js";
import type { ImagetoolsCreateOptions } from "./create-options.js";
import { fetchSources } from "./fetch-sources.js";
import { filterPlatforms, type ManifestWithSource } from "./filter-platforms.js";
import { goDecode, goMarshalIndent } from "./go-json.js";
import { descriptorType, goAny, goIface, mapOf } from "./go-types.js";
import { ImagetoolsPlatformError, NoSourcesError, NoTagError } from "./imagetools-errors.js";
import { runAll } from "./parallel.js";
import { imagetoolsRegistryClient } from "./registry-client.js";
import { parseTags, planSources } from "./sources.js";

export type { ImagetoolsCreateOptions };

/**
 * `exp imagetools create [-t name]... [source...]` (buildx's commands/imagetools/create.go): every
 * flag and source is checked before the first request, the sources are read, combined into an
 * index (or kept as they are), filtered by platform, then printed (--dry-run) or pushed: to each
 * repository named by a -t, every listed manifest with its blobs (mounted within a registry,
 * streamed across registries) by digest, then the index to each of its tags.
 */
export async function runImagetoolsCreate(io: CliIO, args: readonly string[], options: ImagetoolsCreateOptions): Promise<number> {
  if (args.length === 0 && options.file.length === 0) throw new NoSourcesError();
  if (!options.dryRun && options.tag.length === 0) throw new NoTagError();
  const tags = parseTags(options.tag);
  const annotations = parseCreateAnnotations(options.annotation);
  const platforms = parsePlatforms(options.platform);
  // A file holds one source; white space around it (a trailing newline) is not part of it.
  const fileSources = await Promise.all(options.file.map(async (file) => (await readFile(resolve(io.cwd, file), { encoding: "utf8", ...(io.signal ? { signal: io.signal } : {}) })).trim()));
  const sources = planSources([...fileSources, ...args], tags, Boolean(options.append));
  const log = options.progress === "quiet" || options.progress === "none" ? () => undefined : (line: string) => void io.stderr.write(`${line}\n`);

  // Reads with slots of their own (see CopyClients); pushes share the process-wide ones with any
  // other push of this process.
  const clients: CopyClients = { reader: imagetoolsRegistryClient(io, options.insecureRegistry, new HostLimiters()), writer: imagetoolsRegistryClient(io, options.insecureRegistry) };
  try {
    const fetched = await fetchSources(clients.reader, sources, io.signal);
    const combined = combine(fetched, annotations, options.preferIndex);
    if (combined.annotationsDropped) log("WARNING: every source is a Docker manifest, so the result is a Docker manifest list, which holds no annotations: --annotation is ignored");
    const result = filterPlatforms(combined, platforms);
    if (options.dryRun) {
      io.stdout.write(`${result.bytes.toString("utf8")}\n`);
      return 0;
    }
    const manifests: readonly ManifestWithSource[] = result.manifests ?? [{ desc: result.desc, source: fetched[0]! }];
    const byRepository = new Map<string, ImageReference[]>();
    for (const tag of tags) byRepository.set(tag.name, [...(byRepository.get(tag.name) ?? []), tag]);
    await runAll(
      [...byRepository.values()].map((repoTags) => (signal) => pushToRepository(clients, repoTags, manifests, result, log, signal)),
      io.signal,
    );
    if (options.metadataFile) await writeMetadata(resolve(io.cwd, options.metadataFile), result.desc, [...byRepository.keys()].sort());
    return 0;
  } finally {
    await Promise.all([clients.reader.close(), clients.writer.close()]);
  }
}

function parsePlatforms(values: readonly string[]): Platform[] {
  return values.flatMap((value) =>
    value.split(",").map((part) => {
      try {
        return parsePlatform(part.trim());
      } catch (error) {
        throw new ImagetoolsPlatformError(part, { cause: error });
      }
    }),
  );
}

async function pushToRepository(
  clients: CopyClients,
  tags: readonly ImageReference[],
  manifests: readonly ManifestWithSource[],
  result: { bytes: Buffer; desc: { digest: string; mediaType: string } },
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const target = { registry: tags[0]!.registry, repository: tags[0]!.repository };
  const stats: CopyStats = emptyStats();
  await runAll(
    manifests.map(({ desc, source }) => async (inner) => {
      log(`copying ${desc.digest} from ${source.ref.toString()} to ${tags[0]!.name}`);
      await copyManifest(clients, source.ref, desc, target, stats, inner);
    }),
    signal,
  );
  log(`${tags[0]!.name}: ${stats.manifests} manifest${stats.manifests === 1 ? "" : "s"} pushed; blobs: ${stats.mounted} mounted, ${stats.uploaded} uploaded, ${stats.existing} already there`);
  // Tag by tag, after every manifest the index lists is in the repository.
  for (const tag of tags) {
    log(`pushing ${result.desc.digest} to ${tag.toString()}`);
    await clients.writer.putManifest({ ...target, tag: tag.tag! }, result.bytes, result.desc.mediaType, { signal });
  }
}

/** buildx's --metadata-file: the pushed descriptor and the repositories, as Go's MarshalIndent of a map writes them. */
async function writeMetadata(path: string, desc: object, repositories: readonly string[]): Promise<void> {
  const value = new Map<string, unknown>([
    ["containerimage.descriptor", { type: descriptorType, value: goDecode(descriptorType, desc, "the descriptor") }],
    ["image.name", { type: goAny, value: repositories.join(",") }],
  ]);
  await writeFileAtomic(path, goMarshalIndent({ type: mapOf(goIface), value }));
}
