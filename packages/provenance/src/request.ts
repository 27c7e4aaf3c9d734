import type { DigestSet } from "./digest-set.js";
import { ProvenanceInputError } from "./errors.js";
import { compareGoStrings, goMap } from "./go-json.js";
import type { DockerfileSource, FrontendRequest, MountUse } from "./input.js";
import type { Material } from "./materials.js";
import type { ProvenanceMode } from "./options.js";
import { redactArgValue, redactEmbeddedUrls, redactUrl } from "./redact.js";

/** `configSource` of either version (v1 names the entry point `path`, v0.2 `entryPoint`). */
export interface ConfigSource {
  uri?: string;
  digest?: DigestSet;
  path?: string;
}

/** BuildKit's provenance Parameters, in its field order. */
export interface RequestParameters {
  frontend?: string;
  args?: Record<string, string>;
  secrets?: { id: string; optional?: true }[];
  ssh?: { id: string; optional?: true }[];
  locals?: { name: string }[];
}

export interface Request {
  configSource: ConfigSource;
  parameters: RequestParameters;
  vcs: Record<string, string> | undefined;
  /** BuildKit's completeness.request / completeness.parameters. */
  complete: boolean;
}

/**
 * The frontend options as buildx sends them to BuildKit for this request. Kept apart from the
 * filtering below so each BuildKit step stays recognisable.
 */
export function frontendAttrs(request: FrontendRequest | undefined, dockerfile: DockerfileSource | undefined): Record<string, string> {
  const attrs: Record<string, string> = {};
  const put = (key: string, value: unknown, field: string): void => {
    if (typeof value !== "string") throw new ProvenanceInputError(field, `expected a string, got ${value === null ? "null" : typeof value}`);
    attrs[key] = value;
  };
  for (const [key, value] of Object.entries(request?.attrs ?? {})) put(key, value, `request.attrs.${key}`);
  for (const [name, value] of Object.entries(request?.buildArgs ?? {})) put(`build-arg:${name}`, value, `request.buildArgs.${name}`);
  for (const [name, value] of Object.entries(request?.labels ?? {})) put(`label:${name}`, value, `request.labels.${name}`);
  for (const [name, value] of Object.entries(request?.namedContexts ?? {})) put(`context:${name}`, value, `request.namedContexts.${name}`);
  for (const [name, value] of Object.entries(request?.vcs ?? {})) put(`vcs:${name}`, value, `request.vcs.${name}`);
  if (request?.target !== undefined) put("target", request.target, "request.target");
  if (request?.platforms !== undefined && request.platforms.length > 0) attrs["platform"] = request.platforms.join(",");
  if (request?.context !== undefined) put("context", request.context, "request.context");
  if (request?.noCache === true) attrs["no-cache"] = "";
  else if (Array.isArray(request?.noCache)) attrs["no-cache"] = request.noCache.join(",");
  if (dockerfile !== undefined) put("filename", dockerfile.filename, "dockerfile.filename");
  return attrs;
}

// provenance.FilterArgs: options that describe the host rather than the build.
const hostSpecificArgs = new Set(["cgroup-parent", "image-resolve-mode", "platform", "cache-imports"]);

/**
 * BuildKit's request provenance, in the order BuildKit computes it (llbsolver getRefProvenance
 * FilterArgs, provenance RequestProvenance and NewPredicate, then scrubMinRequest for mode=min).
 */
export function requestOf(
  frontend: string,
  attrs: Record<string, string>,
  locals: readonly string[],
  secrets: readonly MountUse[],
  ssh: readonly MountUse[],
  materials: readonly Material[],
  mode: ProvenanceMode,
): Request {
  const contextKey = attrs["contextkey"] || "context";
  const args: Record<string, string> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (hostSpecificArgs.has(key) || key.startsWith("attest:")) continue;
    args[key] = redactAttr(key, value, contextKey);
  }

  const configSource: ConfigSource = {};
  const context = args[contextKey];
  if (context) {
    const material = findMaterial(materials, context);
    configSource.uri = context;
    if (material?.digest) configSource.digest = material.digest;
    delete args[contextKey];
  }
  if (args["filename"]) {
    configSource.path = args["filename"];
    delete args["filename"];
  }

  let vcs: Record<string, string> | undefined;
  for (const key of Object.keys(args)) {
    if (!key.startsWith("vcs:")) continue;
    const value = args[key]!;
    delete args[key];
    if (value !== "") (vcs ??= {})[key.slice("vcs:".length)] = value;
  }

  let complete = frontend !== "";
  if (mode === "min") {
    // scrubMinRequest: build args and labels go (the request is then incomplete), and so do the secret and SSH ids.
    for (const key of Object.keys(args)) {
      if (key.startsWith("build-arg:") || key.startsWith("label:")) {
        delete args[key];
        complete = false;
      }
    }
  }
  // In Go's field order: frontend, args, secrets, ssh, locals (all omitempty).
  const parameters: RequestParameters = {};
  if (frontend !== "") parameters.frontend = frontend;
  if (Object.keys(args).length > 0) parameters.args = goMap(args);
  if (mode === "max") {
    const s = mountsOf(secrets, "secrets", false);
    if (s.length > 0) parameters.secrets = s;
    const agents = mountsOf(ssh, "ssh", true);
    if (agents.length > 0) parameters.ssh = agents;
  }
  const names = [...new Set(locals.map((name, i) => checkName(name, `localSources[${i}]`)))].sort(compareGoStrings);
  if (names.length > 0) parameters.locals = names.map((name) => ({ name }));
  return { configSource, parameters, vcs: vcs && goMap(vcs), complete };
}

function redactAttr(key: string, value: string, contextKey: string): string {
  if (key.startsWith("build-arg:")) return redactArgValue(key.slice("build-arg:".length), value);
  if (key.startsWith("label:")) return redactArgValue(key.slice("label:".length), value);
  // BuildKit redacts the context keys (FilterArgs) and vcs:source (NewPredicate) with RedactCredentials.
  if (key === contextKey || key.startsWith("context:") || key === "vcs:source") return redactUrl(value);
  return redactEmbeddedUrls(value);
}

// provenance findMaterial: a remote context is pinned by the material fetched from it. A Git
// context may carry a `#ref[:subdir]` fragment that its material's URL does not.
function findMaterial(materials: readonly Material[], context: string): Material | undefined {
  const bare = context.split("#", 1)[0];
  return materials.find((m) => !m.uri.startsWith("pkg:") && (m.uri === context || m.uri.split("#", 1)[0] === bare));
}

function mountsOf(uses: readonly MountUse[], field: string, defaultId: boolean): { id: string; optional?: true }[] {
  const byId = new Map<string, boolean>();
  uses.forEach((use, i) => {
    let id = use.id;
    if (id === "" && defaultId) id = "default"; // Capture.AddSSH
    checkName(id, `${field}[${i}].id`);
    // Capture.AddSecret/AddSSH: one entry per id, required if any use of it is.
    const optional = use.optional === true;
    byId.set(id, (byId.get(id) ?? true) && optional);
  });
  return [...byId.keys()].sort(compareGoStrings).map((id) => (byId.get(id) ? { id, optional: true as const } : { id }));
}

function checkName(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw new ProvenanceInputError(field, "expected a non-empty string");
  return value;
}
