import type { TimelineEntry } from "@exp/coordinator";
import { maskSecretAttrs } from "../util/redact.js";
import type { Spec } from "../spec/output.js";

export interface SummaryInput {
  /** The planned outputs (`-o`, `--push`, the default image), dest paths absolute. */
  outputs: readonly Spec[];
  /** Every cache export, the inline one `BUILDKIT_INLINE_CACHE=1` adds included. */
  caches: readonly Spec[];
  /** The merged exporter response. */
  response: Readonly<Record<string, string>>;
  /** The content store the build used (where `type=image` keeps images). */
  root: string;
  cwd: string;
  /** The `-t` names (`name=*` stands for them). */
  tags: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** The coordinator's spans: a cache exporter that failed with ignore-error=true exported nothing. */
  timeline?: readonly TimelineEntry[];
}

/**
 * What the build made and where each output really went, after the progress (on stderr): one line
 * per output and per cache export, then the image's digests, each named by its buildx metadata key
 * so that the summary, `--metadata-file` and `-q` agree on which digest is which.
 */
export function buildSummary(input: SummaryInput): string {
  const show = (path: string) => shownPath(path, input.cwd);
  const rows: Array<[string, string]> = [];
  for (const output of input.outputs) rows.push([output.type, describeOutput(output, input, show)]);
  const ignored = new Set((input.timeline ?? []).filter((e) => e.status === "ignored-error").map((e) => e.vertex));
  let remote = 0;
  for (const cache of input.caches) {
    // The coordinator numbers remote cache exporters cache-0, cache-1, ... and the inline one cache-inline.
    const vertex = cache.type === "inline" ? "cache-inline" : `cache-${remote++}`;
    rows.push([`cache:${cache.type}`, ignored.has(vertex) ? "not exported: it failed and ignore-error=true let the build go on" : describeCache(cache, input, show)]);
  }
  rows.push(...digestRows(input.response));
  const width = Math.max(...rows.map(([label]) => label.length));
  return `\nexported:\n${rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`).join("\n")}\n`;
}

/**
 * `containerimage.digest` is the root of the image: a manifest, or an index for a multi-platform
 * image; `containerimage.config.digest` (single-platform only) is its config, the image id.
 * `exp build -q` prints the image id as buildx does: the config digest when there is one, else the
 * root digest.
 */
export function imageId(response: Readonly<Record<string, string>>): string | undefined {
  return response["containerimage.config.digest"] ?? response["containerimage.digest"];
}

function digestRows(response: Readonly<Record<string, string>>): Array<[string, string]> {
  const root = response["containerimage.digest"];
  const config = response["containerimage.config.digest"];
  const rows: Array<[string, string]> = [];
  if (root) {
    const index = /index|manifest\.list/.test(rootMediaType(response) ?? "");
    rows.push([index ? "index" : "manifest", `${root} (containerimage.digest${config ? "" : ", the image id -q prints"})`]);
  }
  if (config) rows.push(["config", `${config} (containerimage.config.digest, the image id -q prints)`]);
  return rows;
}

function rootMediaType(response: Readonly<Record<string, string>>): string | undefined {
  const encoded = response["containerimage.descriptor"];
  if (!encoded) return undefined;
  try {
    const descriptor: unknown = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
    const mediaType = (descriptor as { mediaType?: unknown } | null)?.mediaType;
    return typeof mediaType === "string" ? mediaType : undefined;
  } catch {
    return undefined;
  }
}

function describeOutput(output: Spec, input: SummaryInput, show: (path: string) => string): string {
  const { attrs } = output;
  switch (output.type) {
    case "image":
    case "registry": {
      const names = imageNames(attrs.name, input.tags);
      const push = attrs.push === undefined ? output.type === "registry" : attrs.push === "true";
      const store = attrs.store === undefined ? output.type === "image" : attrs.store === "true";
      const parts: string[] = [];
      if (store) {
        const kept = [...names, ...(names.length === 0 && attrs["dangling-name-prefix"] ? [`${attrs["dangling-name-prefix"]}@<digest>`] : [])];
        parts.push(kept.length > 0 ? `stored in ${show(input.root)} as ${kept.join(", ")}` : `not kept in ${show(input.root)}: it has no name (give -t or name=)`);
      }
      if (push) parts.push(`pushed to ${names.join(", ")}`);
      return parts.join("; ") || "committed, neither stored nor pushed (store=false, push=false)";
    }
    case "oci":
    case "docker":
    case "tar":
      return attrs.dest === "-" ? "written to stdout" : attrs.tar === "false" ? `written to the directory ${show(attrs.dest ?? "")}` : `written to ${show(attrs.dest ?? "")}`;
    case "local":
      return `written to the directory ${show(attrs.dest ?? "")}`;
    default:
      return pluginTarget(attrs, show);
  }
}

function describeCache(cache: Spec, input: SummaryInput, show: (path: string) => string): string {
  const { attrs } = cache;
  switch (cache.type) {
    case "inline": {
      const hosts = input.outputs.filter((o) => ["image", "registry", "oci", "docker"].includes(o.type));
      if (hosts.length === 0) return "not exported: no image output to embed it in";
      return `embedded in the image (${hosts.map((o) => describeOutput(o, input, show)).join("; ")})`;
    }
    case "registry":
      return `pushed to ${attrs.ref ?? "?"}`;
    case "local":
      return `written to the directory ${show(attrs.dest ?? "")}`;
    case "s3": {
      const bucket = attrs.bucket ?? input.env?.AWS_BUCKET ?? "?";
      const endpoint = attrs.endpoint_url ? ` at ${maskSecretAttrs(attrs.endpoint_url)}` : "";
      return `uploaded to s3://${bucket}/${attrs.prefix ?? ""}${endpoint}`;
    }
    case "azblob": {
      // The account URL without its query: a SAS token travels there.
      const account = (attrs.account_url ?? input.env?.BUILDKIT_AZURE_STORAGE_ACCOUNT_URL ?? "the account of AZURE_STORAGE_CONNECTION_STRING").split("?")[0];
      const container = attrs.container ?? input.env?.BUILDKIT_AZURE_STORAGE_CONTAINER ?? "buildkit-cache";
      const prefix = attrs.prefix ?? input.env?.BUILDKIT_AZURE_STORAGE_PREFIX ?? "";
      return `uploaded to Azure Blob Storage ${account} container ${container}${prefix ? ` under ${prefix}` : ""}`;
    }
    case "gha":
      return `saved to the GitHub Actions cache, scope ${(attrs.scope ?? "buildkit").split(";").join(", ")}`;
    default:
      return pluginTarget(attrs, show);
  }
}

/** A package's output or cache: where its attributes say it went, never a secret-looking one. */
function pluginTarget(attrs: Readonly<Record<string, string>>, show: (path: string) => string): string {
  if (attrs.dest !== undefined) return attrs.dest === "-" ? "written to stdout" : `written to ${show(attrs.dest)}`;
  if (attrs.ref !== undefined) return `pushed to ${attrs.ref}`;
  const shown = Object.entries(attrs).map(([k, v]) => maskSecretAttrs(`${k}=${v}`));
  return shown.length > 0 ? `done (${shown.join(",")})` : "done";
}

function imageNames(name: string | undefined, tags: readonly string[]): string[] {
  const names = (name ?? "").split(",").map((n) => n.trim()).filter(Boolean);
  return names.flatMap((n) => (n === "*" ? [...tags] : [n]));
}

function shownPath(path: string, cwd: string): string {
  if (path === cwd) return ".";
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}
