import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ExpError } from "@exp/errors";

/** The package exists but importing it failed (a syntax error, a missing dependency of its own, ...). */
export class PluginLoadError extends ExpError {
  constructor(what: string, specifier: string, cause: unknown) {
    super("ERR_PLUGIN_LOAD", `${what}: package ${specifier} was found but could not be loaded: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const packageName = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*(?:\/.+)?$/;

/** True for what `type=` may name as a plugin: an npm package name (with an optional subpath) or a file path. */
export function isPluginSpecifier(specifier: string): boolean {
  return isPathSpecifier(specifier) || packageName.test(specifier);
}

/** A module path rather than a package name: `./x.js`, `../x.js`, `file:…`, or absolute. */
export function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("file:") || isAbsolute(specifier);
}

/**
 * Imports a plugin package. First with a plain dynamic `import()`, which resolves from exp's own
 * installation (and honours `--conditions`); when the package is not found there, from each of
 * `from` in turn (node_modules, walking up): the working directory, so a plugin installed in the
 * project works with an exp installed elsewhere (globally, or through npx), then the directory of
 * the command that was run (a package such as `@exp/all` that brings exp and the backends
 * together). Paths (`./x.js`, `/abs/x.js`) are resolved against the first of `from`, the working
 * directory. Returns undefined when the package is nowhere.
 */
export async function loadModule(specifier: string, from: readonly [string, ...string[]], what: string): Promise<Record<string, unknown> | undefined> {
  if (isPathSpecifier(specifier)) {
    const url = specifier.startsWith("file:") ? specifier : pathToFileURL(resolve(from[0], specifier)).href;
    return importOrUndefined(url, specifier, what);
  }
  if (!packageName.test(specifier)) return undefined;
  const own = await importOrUndefined(specifier, specifier, what);
  if (own) return own;
  for (const dir of from) {
    const file = resolveFromDirectory(specifier, dir);
    if (file !== undefined) return importOrUndefined(pathToFileURL(file).href, specifier, what);
  }
  return undefined;
}

async function importOrUndefined(target: string, specifier: string, what: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(target)) as Record<string, unknown>;
  } catch (error) {
    if (isNotFound(error, target, specifier)) return undefined;
    throw new PluginLoadError(what, specifier, error);
  }
}

/**
 * "Not found" only when it is the package itself that is missing: a plugin that is installed but
 * misses one of its own dependencies must say so, not "install the plugin".
 */
function isNotFound(error: unknown, target: string, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  const message = error instanceof Error ? error.message : String(error);
  const name = packageOf(specifier);
  const candidates = [target, specifier, name, target.startsWith("file:") ? decodeURIComponent(new URL(target).pathname) : undefined];
  return candidates.some((c) => c !== undefined && (message.includes(`'${c}'`) || message.includes(`"${c}"`)));
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Node's package resolution for an ESM import, from `cwd` upwards: node_modules/<name>, then its `exports` (import, node, default) or `module`/`main`. */
export function resolveFromDirectory(specifier: string, cwd: string): string | undefined {
  const name = packageOf(specifier);
  const subpath = specifier === name ? "." : `.${specifier.slice(name.length)}`;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const pkgDir = join(dir, "node_modules", name);
    const manifestPath = join(pkgDir, "package.json");
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { exports?: unknown; module?: string; main?: string };
      const target = manifest.exports === undefined ? legacyEntry(manifest, subpath) : exportsTarget(manifest.exports, subpath);
      return target === undefined ? undefined : join(pkgDir, target);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function legacyEntry(manifest: { module?: string; main?: string }, subpath: string): string {
  if (subpath !== ".") return subpath;
  return manifest.module ?? manifest.main ?? "index.js";
}

const conditions = ["import", "node", "default"];

function exportsTarget(exports: unknown, subpath: string): string | undefined {
  const isSubpathMap = typeof exports === "object" && exports !== null && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith("."));
  if (isSubpathMap) return conditional((exports as Record<string, unknown>)[subpath]);
  return subpath === "." ? conditional(exports) : undefined;
}

function conditional(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = conditional(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (!conditions.includes(key)) continue;
      const found = conditional(inner);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
