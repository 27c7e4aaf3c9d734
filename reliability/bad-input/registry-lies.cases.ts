import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveCacheImporter } from "@exp/cli";
import { openContentStore } from "@exp/content";
import { createRegistryClient } from "@exp/registry";
import { ProgressReporter, type CacheImporterInstance } from "@exp/solver";
import type { BadInputCase } from "./support/corpus.js";
import type { Lie, LieRule, LyingRegistry } from "./support/lying-registry.js";
import type { Sandbox } from "./support/sandbox.js";

// Registry answers that lie: a Docker-Content-Digest that is not the body's, a body that is not
// what was asked for, a body cut off, a manifest too big to be one. Every lie is caught by a
// digest or size check and named; a base image that cannot be trusted never reaches an output.

/** What the rig pushed through the (then honest) proxy before the cases run. */
export interface RegistryRig {
  registry: LyingRegistry;
  /** The base image's manifest, config and layer digests. */
  manifest: string;
  config: string;
  layer: string;
}

const other = `sha256:${"0".repeat(64)}`;
const hex = /sha256:[0-9a-f]{64}/.source;
const host = /127\.0\.0\.1:\d+/.source;
/** A connection that drops mid-answer: reported as a network failure, at once or once retries ran out. */
const networkFailure = /^ERR_REGISTRY_(?:NETWORK|RETRIES_EXHAUSTED)$/;

/** A path for a rule; a function when it needs the rig's digests, known only once it seeded the registry. */
type PathOf = RegExp | ((rig: RegistryRig) => RegExp);

export function registryLieCases(rig: RegistryRig): BadInputCase[] {
  const lie = (method: string, path: PathOf, what: Lie) => async (): Promise<void> => {
    const rule: LieRule = { method, path: typeof path === "function" ? path(rig) : path, lie: what };
    rig.registry.lie([rule]);
  };
  /** The Dockerfile FROM `ref` ("HOST" is the lying registry), then the lie. */
  const fromWith = (ref: (r: RegistryRig) => string, then: () => Promise<void>) => async (sb: Sandbox) => {
    await writeFile(join(sb.context, "Dockerfile"), `FROM ${ref(rig).replace("HOST", rig.registry.host)}\nCOPY a.txt /\n`);
    await then();
  };
  const base = () => "HOST/base:1";
  const toLocal = (sb: Sandbox) => ["build", sb.context, "-o", `type=local,dest=${sb.dest.local}`];
  const toArchive = (sb: Sandbox) => ["build", sb.context, "-o", `type=oci,dest=${sb.dest.archive}`];
  const manifestByTag = /^\/v2\/base\/manifests\/1$/;
  const blobOf = (pick: (r: RegistryRig) => string) => (r: RegistryRig) => new RegExp(`^/v2/base/blobs/${pick(r)}$`);
  const cacheManifest = /^\/v2\/cache\/manifests\/1$/;
  const cacheFrom = (sb: Sandbox) => ["build", sb.context, "--cache-from", `type=registry,ref=${rig.registry.host}/cache:1`, "-o", `type=local,dest=${sb.fresh}`];

  return [
    {
      name: "a Docker-Content-Digest that is not the manifest's",
      setup: fromWith(base, lie("GET", manifestByTag, { type: "headers", headers: { "docker-content-digest": other } })),
      argv: toLocal,
      exit: 1,
      code: "ERR_DIGEST_MISMATCH",
      message: [new RegExp(`^Dockerfile:\\d+:\\d+: manifest ${host}/base:1: expected ${other}, got ${hex}$`)],
    },
    {
      name: "another manifest served for the digest that was asked for",
      setup: fromWith(
        (r) => `HOST/base@${r.manifest}`,
        lie("GET", (r) => new RegExp(`^/v2/base/manifests/${r.manifest}$`), { type: "body", body: (b) => Buffer.from(b.toString().replace('"schemaVersion":2', '"schemaVersion": 2')) }),
      ),
      argv: toLocal,
      exit: 1,
      code: "ERR_DIGEST_MISMATCH",
      message: [new RegExp(`^Dockerfile:\\d+:\\d+: manifest ${host}/base@(${hex}): expected \\1, got ${hex}$`)],
    },
    {
      name: "a manifest of 5 MiB",
      setup: fromWith(base, lie("GET", manifestByTag, { type: "body", body: (b) => Buffer.concat([b, Buffer.alloc(5 * 1024 * 1024, 0x20)]), digestHeader: "match" })),
      argv: toLocal,
      exit: 1,
      code: "ERR_TOO_LARGE",
      message: [new RegExp(`${host}/base:1 is 52\\d{5} bytes; exp reads at most 4194304 bytes for a manifest`)],
    },
    {
      name: "a manifest that is not JSON, with a digest header that matches it",
      setup: fromWith(base, lie("GET", manifestByTag, { type: "body", body: () => Buffer.from("<html>Welcome to the hotel wifi</html>"), digestHeader: "match" })),
      argv: toLocal,
      exit: 1,
      code: "ERR_INVALID_DOCUMENT",
      message: [/not valid JSON/],
    },
    {
      name: "a manifest body cut off on every attempt",
      setup: fromWith(base, lie("GET", manifestByTag, { type: "truncate", bytes: 40 })),
      argv: toLocal,
      exit: 1,
      code: networkFailure,
      message: [new RegExp(`${host}/base:1`)],
    },
    {
      name: "a config blob that is not what its digest says",
      setup: fromWith(base, lie("GET", blobOf((r) => r.config), { type: "body", body: (b) => Buffer.from(b.toString().replace('"amd64"', '"arm64"')), digestHeader: "keep" })),
      argv: toLocal,
      exit: 1,
      code: "ERR_DIGEST_MISMATCH",
      message: [new RegExp(`^Dockerfile:\\d+:\\d+: blob (${hex}) from ${host}/base: expected \\1, got ${hex}$`)],
    },
    {
      name: "a layer blob with one byte changed",
      setup: fromWith(base, lie("GET", blobOf((r) => r.layer), { type: "body", body: (b) => Buffer.concat([b.subarray(0, -1), Buffer.from([b[b.length - 1]! ^ 0xff])]) })),
      argv: toArchive,
      exit: 1,
      code: "ERR_DIGEST_MISMATCH",
      message: [new RegExp(`blob (${hex}) from ${host}/base: expected \\1, got ${hex}`)],
    },
    {
      name: "a layer blob shorter than its descriptor, with a Content-Length that agrees",
      setup: fromWith(base, lie("GET", blobOf((r) => r.layer), { type: "body", body: (b) => b.subarray(0, b.length - 10) })),
      argv: toLocal,
      exit: 1,
      code: "ERR_DIGEST_MISMATCH",
      message: [new RegExp(`blob ${hex} from ${host}/base`), /size/],
    },
    {
      // Before its first byte: a client that resumes with Range requests makes no progress either.
      name: "a layer blob cut off before its first byte on every attempt",
      setup: fromWith(base, lie("GET", blobOf((r) => r.layer), { type: "truncate", bytes: 0 })),
      argv: toLocal,
      exit: 1,
      code: networkFailure,
      message: [new RegExp(hex)],
    },
    {
      name: "a registry that stores a pushed manifest under another digest",
      setup: lie("PUT", /^\/v2\/pushed\/manifests\//, { type: "headers", headers: { "docker-content-digest": other } }),
      // --provenance=false: the tagged manifest is the first PUT (with buildx's default provenance the image manifest goes first, by digest).
      argv: (sb) => ["build", sb.context, "-t", `${rig.registry.host}/pushed:1`, "--push", "--provenance=false"],
      exit: 1,
      code: "ERR_REGISTRY_PROTOCOL",
      message: [new RegExp(`the registry stored manifest ${host}/pushed:1 as ${other}, but we sent ${hex}`)],
    },
    {
      name: "a registry cache whose manifest digest header lies only warns",
      setup: lie("GET", cacheManifest, { type: "headers", headers: { "docker-content-digest": other } }),
      argv: cacheFrom,
      exit: 0,
      code: "ERR_DIGEST_MISMATCH",
      message: [new RegExp(`--cache-from type=registry: manifest ${host}/cache:1: expected ${other}, got ${hex}; building without this cache`)],
      direct: (sb) => loadRegistryCache(sb, `${rig.registry.host}/cache:1`),
    },
    {
      name: "a registry cache manifest claiming a 64 MiB config is refused before the download",
      setup: lie("GET", cacheManifest, {
        type: "body",
        body: (b) => Buffer.from(b.toString().replace(/("mediaType":"application\/vnd\.buildkit\.cacheconfig\.v0","digest":"[^"]+","size":)\d+/, "$167108864")),
        digestHeader: "match",
      }),
      argv: cacheFrom,
      exit: 0,
      code: "ERR_INVALID_CACHE_CONFIG",
      message: [new RegExp(`--cache-from type=registry: invalid BuildKit cache config: ${hex} is 67108864 bytes, over BuildKit's 1048576-byte limit`)],
      direct: (sb) => loadRegistryCache(sb, `${rig.registry.host}/cache:1`),
    },
    {
      name: "a registry cache manifest that is JSON null",
      setup: lie("GET", cacheManifest, { type: "body", body: () => Buffer.from("null"), digestHeader: "match" }),
      argv: cacheFrom,
      exit: 0,
      code: "ERR_INVALID_CACHE_MANIFEST",
      message: [new RegExp(`--cache-from type=registry: invalid cache manifest ${hex} in ${host}/cache:1: not a JSON object`)],
      direct: (sb) => loadRegistryCache(sb, `${rig.registry.host}/cache:1`),
    },
  ];
}

/** The registry importer's load(), as `--cache-from type=registry,ref=<ref>` runs it, in a scratch store. */
async function loadRegistryCache(sb: Sandbox, ref: string): Promise<unknown> {
  const importer = (await resolveCacheImporter("registry", { cwd: sb.root })).resolve({ ref }) as CacheImporterInstance;
  const store = await openContentStore(sb.path("direct-store"));
  const registry = createRegistryClient({});
  try {
    return await importer.load({ store, registry, progress: ProgressReporter.root(undefined), signal: new AbortController().signal });
  } finally {
    await registry.close();
    await rm(sb.path("direct-store"), { recursive: true, force: true });
  }
}
