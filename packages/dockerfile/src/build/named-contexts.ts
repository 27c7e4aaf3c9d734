import { ExpError } from "@exp/errors";
import { parseReference, platformKey, type Platform } from "@exp/oci-spec";
import { copy, image, local, readDockerignoreFile, scratch, type FsNode } from "@exp/solver";

/**
 * What a named build context (`--build-context name=value`) stands for, once the caller has read
 * its value: a directory on this machine, an image (a registry reference, or an
 * `oci-layout://<dir>@<digest>` the solver reads), or nothing (`docker-image://scratch`).
 */
export type NamedContext = { kind: "local"; path: string } | { kind: "image"; ref: string } | { kind: "scratch" };

/** A context name that is no image name (buildx: "invalid context name"), or one BuildKit never looks up. */
export class InvalidContextNameError extends ExpError {
  constructor(name: string, reason: string, options: { cause?: unknown } = {}) {
    super("ERR_INVALID_CONTEXT_NAME", `build context name ${JSON.stringify(name)}: ${reason}; expected a stage name or an image name such as alpine or registry.example/app:1`, options);
  }
}

/**
 * The key a name is looked up by, as buildx's ParseContextNames (util/buildflags/context.go) and
 * dockerui's Client.NamedContext (frontend/dockerui/config.go) both spell it: the reference
 * normalised, in its familiar form, without `:latest` (so `alpine`, `alpine:latest` and
 * `docker.io/library/alpine` are one name). Throws for what is no reference.
 */
function familiarKey(name: string): string {
  const familiar = parseReference(name).familiar();
  return familiar.endsWith(":latest") ? familiar.slice(0, -":latest".length) : familiar;
}

function lookupKey(name: string): string | undefined {
  try {
    return familiarKey(name);
  } catch {
    return undefined;
  }
}

/** The normalised name of a context given by the caller; an invalid or unusable one is an error. */
export function namedContextKey(name: string): string {
  let key: string;
  try {
    key = familiarKey(name);
  } catch (error) {
    throw new InvalidContextNameError(name, error instanceof Error ? error.message : String(error), { cause: error });
  }
  // dockerfile2llb/convert.go namedContextFunc never looks these two up: a context by that name
  // would be accepted and never used.
  if (key === "scratch" || key === "context") throw new InvalidContextNameError(name, `BuildKit's Dockerfile front end never replaces "${key}"`);
  return key;
}

/** The named contexts of a build, looked up as BuildKit's Dockerfile front end looks them up. */
export class NamedContexts {
  private readonly byKey = new Map<string, { name: string; context: NamedContext }>();
  private readonly nodes = new Map<string, FsNode>();

  constructor(contexts: Readonly<Record<string, NamedContext>> = {}) {
    for (const [name, context] of Object.entries(contexts)) this.byKey.set(namedContextKey(name), { name, context });
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * The context replacing a stage name, a FROM image or a COPY --from image, if any. As BuildKit:
   * a stage whose name is a context is replaced by it whole (dockerfile2llb/convert.go, the
   * `st.Name != ""` lookup in toDispatchState), and an image reference is looked up by its
   * normalised name (the BaseName lookup in dispatch); `scratch` and `context` never are.
   */
  find(nameOrRef: string): { name: string; context: NamedContext } | undefined {
    const key = lookupKey(nameOrRef);
    if (key === undefined || key === "scratch" || key === "context") return undefined;
    return this.byKey.get(key);
  }

  /**
   * The filesystem a context gives, for one platform: as a COPY --from source (`asRoot` false) or
   * as a stage's root. A directory is read with its own .dockerignore (dockerui/namedcontext.go,
   * the `local` case); as a root it is made one layer, as COPY . / onto scratch makes it (files
   * owned by root, as BuildKit's file sync sends them). An image is the image for that platform,
   * its step named as BuildKit names it (`[context <name>] <ref>`).
   */
  async node(found: { name: string; context: NamedContext }, platform: Platform, options: { asRoot: boolean; signal?: AbortSignal }): Promise<FsNode> {
    const { name, context } = found;
    const id = `${name}|${options.asRoot}|${context.kind === "image" ? platformKey(platform) : ""}`;
    const known = this.nodes.get(id);
    if (known) return known;
    let node: FsNode;
    if (context.kind === "scratch") node = scratch();
    else if (context.kind === "image") node = image(context.ref, platform, `[context ${name}] ${context.ref}`);
    else {
      const ignore = await readDockerignoreFile(context.path, options.signal ? { signal: options.signal } : {});
      node = local(context.path, ignore?.patterns.map((p) => p.pattern) ?? []);
      if (options.asRoot) node = copy(scratch(), { from: node, sources: ["."], dest: "/", description: `[context ${name}] load ${context.path}` });
    }
    this.nodes.set(id, node);
    return node;
  }
}
