import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { InvalidContextNameError, namedContextKey, type NamedContext } from "@exp/dockerfile";
import { ExpError } from "@exp/errors";
import { parseImageLayoutIndex } from "@exp/oci-spec";
import { UsageError } from "../errors.js";
import { parseBuildContextFlag, type BuildContextSource } from "./build-context-flag.js";

/** A `--build-context` source that is not there: no such directory, or an OCI layout without the image. */
export class BuildContextNotFoundError extends ExpError {
  constructor(value: string, problem: string, options: { cause?: unknown } = {}) {
    super("ERR_BUILD_CONTEXT_NOT_FOUND", `--build-context ${JSON.stringify(value)}: ${problem}`, options);
  }
}

/**
 * The `--build-context` values as the Dockerfile front end takes them, read as buildx reads them
 * before it sends them (build/opt.go): a later value for the same (normalised) name wins, as in
 * buildx's map; a directory must exist (buildx stats it: "failed to get build context"); an OCI
 * layout's tag is looked up in its index.json now, as buildx's resolveDigest does, so the build
 * reads `oci-layout://<dir>@<digest>`.
 */
export async function resolveBuildContexts(values: readonly string[], cwd: string, signal?: AbortSignal): Promise<Record<string, NamedContext>> {
  const byKey = new Map<string, { name: string; value: string; source: BuildContextSource }>();
  for (const value of values) {
    const { name, source } = parseBuildContextFlag(value);
    byKey.set(contextKey(name, value), { name, value, source });
  }
  const contexts: Record<string, NamedContext> = {};
  for (const { name, value, source } of byKey.values()) contexts[name] = await resolveSource(value, source, cwd, signal);
  return contexts;
}

/** Checks every `--build-context` name before the build starts, as buildx does while parsing its flags. */
export function checkBuildContextNames(values: readonly string[]): void {
  for (const value of values) contextKey(parseBuildContextFlag(value).name, value);
}

/** The name's key (an image name, normalised); a bad name is a usage error naming the flag's value. */
function contextKey(name: string, value: string): string {
  try {
    return namedContextKey(name);
  } catch (error) {
    if (error instanceof InvalidContextNameError) throw new UsageError(`--build-context ${JSON.stringify(value)}: ${error.message}`, error.code, { cause: error });
    throw error;
  }
}

async function resolveSource(value: string, source: BuildContextSource, cwd: string, signal: AbortSignal | undefined): Promise<NamedContext> {
  if (source.kind === "docker-image") return source.ref === "scratch" ? { kind: "scratch" } : { kind: "image", ref: source.ref };
  const path = resolve(cwd, source.path);
  if (source.kind === "local") {
    const info = await stat(path).catch((cause: unknown) => Promise.reject(new BuildContextNotFoundError(value, `${path} does not exist`, { cause })));
    if (!info.isDirectory()) throw new BuildContextNotFoundError(value, `${path} is not a directory (a named context is a directory, docker-image://… or oci-layout://…)`);
    return { kind: "local", path };
  }
  // Given a digest, the tag is not looked at (BuildKit reads the blob by digest).
  const digest = source.digest ?? (await layoutDigest(value, path, source.tag ?? "latest", signal));
  return { kind: "image", ref: `oci-layout://${path}@${digest}` };
}

/**
 * buildx's resolveDigest (build/opt.go) with BuildKit's ociindex: the index.json entry whose
 * `io.containerd.image.name`, then whose `org.opencontainers.image.ref.name`, is the tag; failing
 * both, the only entry when there is exactly one.
 */
async function layoutDigest(value: string, dir: string, tag: string, signal: AbortSignal | undefined): Promise<string> {
  const text = await readFile(join(dir, "index.json"), { encoding: "utf8", ...(signal ? { signal } : {}) }).catch((cause: unknown) =>
    Promise.reject(new BuildContextNotFoundError(value, `${dir} is no OCI layout: no index.json (${(cause as Error).message})`, { cause })),
  );
  const manifests = parseImageLayoutIndex(text).manifests;
  const found =
    manifests.find((m) => m.annotations?.["io.containerd.image.name"] === tag) ??
    manifests.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag) ??
    (manifests.length === 1 ? manifests[0] : undefined);
  if (!found) {
    const tags = manifests.map((m) => m.annotations?.["org.opencontainers.image.ref.name"]).filter(Boolean);
    throw new BuildContextNotFoundError(value, `no image tagged ${JSON.stringify(tag)} in ${dir} (tags: ${tags.join(", ") || "none"}; ${manifests.length} entries)`);
  }
  return found.digest;
}
