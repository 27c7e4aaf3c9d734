import { realpathSync } from "node:fs";
import { dirname } from "node:path";
import { ExpError } from "@exp/errors";
import type { CacheExporter, Exporter } from "@exp/solver";
import { builtinCacheTypes, builtinOutputTypes, checkSpecType } from "../spec/spec-type.js";
import { cliModulePath } from "./cli-location.js";
import { installCommand } from "./install-hint.js";
import { isPluginSpecifier, loadModule } from "./load-module.js";

/** Output type -> the package that implements it. Every other type is itself a package name. */
export const builtinExporterPackages: Readonly<Record<string, string>> = {
  image: "@exp/exporter-image",
  registry: "@exp/exporter-image",
  oci: "@exp/exporter-oci",
  docker: "@exp/exporter-oci",
  local: "@exp/exporter-local",
  tar: "@exp/exporter-local",
};

/** Cache type -> the package that implements it (for both `--cache-to` and `--cache-from`). */
export const builtinCachePackages: Readonly<Record<string, string>> = {
  registry: "@exp/cache-registry",
  local: "@exp/cache-local",
  s3: "@exp/cache-s3",
  azblob: "@exp/cache-azblob",
  gha: "@exp/cache-gha",
  inline: "@exp/cache-inline",
};

/**
 * What a `--cache-from` package exports as `cacheImporter` (the full contract is @exp/solver's
 * CacheImporter; this is the shape the loader checks).
 */
export interface CacheImporter {
  readonly type: string;
  resolve(attrs: Readonly<Record<string, string>>): unknown;
}

export interface ResolveOptions {
  /** Where a plugin that exp itself cannot import is looked up (node_modules, walking up). */
  cwd: string;
  /** For the install advice (which package manager ran exp); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where exp is installed, for the install advice; default this module's path. */
  cliPath?: string;
  /** The command that was run (`process.argv[1]`): plugins installed beside it are found too. */
  commandPath?: string;
}

/** Where a plugin exp cannot import itself is looked for: the working directory, then beside the command that ran. */
function searchDirectories(options: ResolveOptions): [string, ...string[]] {
  const command = options.commandPath ?? process.argv[1];
  let commandDir: string | undefined;
  try {
    commandDir = command ? dirname(realpathSync(command)) : undefined;
  } catch (error) {
    // A command path that no longer exists (deleted, or `node -e`): nothing to search beside it.
    const code = (error as { code?: unknown }).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
  }
  return commandDir === undefined ? [options.cwd] : [options.cwd, commandDir];
}

/** The command that installs a package next to this exp: the advice every "not found" error gives. */
function installAdvice(packageName: string, options: ResolveOptions): string {
  return installCommand(packageName, { cliPath: options.cliPath ?? cliModulePath, cwd: options.cwd, env: options.env ?? process.env });
}

/**
 * No package implements an output type: it is not installed. Only a type that can be a package
 * gets here (checkSpecType refuses typos of the built-in types first), so installing is the advice.
 */
export class ExporterNotFoundError extends ExpError {
  readonly type: string;
  readonly packageName: string;

  constructor(type: string, packageName: string, install: string) {
    const others = builtinExporterPackages[type] ? "" : ` or use one of ${builtinOutputTypes.join(", ")}`;
    super("ERR_EXPORTER_NOT_FOUND", `output type "${type}" needs the package ${packageName}, which is not installed: install it (${install})${others}`);
    this.type = type;
    this.packageName = packageName;
  }
}

/** No package implements a cache type: it is not installed (typos of the built-in types are refused before, as for outputs). */
export class CacheBackendNotFoundError extends ExpError {
  readonly type: string;
  readonly packageName: string;

  constructor(direction: "to" | "from", type: string, packageName: string, install: string) {
    super(
      direction === "to" ? "ERR_CACHE_EXPORTER_NOT_FOUND" : "ERR_CACHE_IMPORTER_NOT_FOUND",
      `cache type "${type}" (--cache-${direction}) needs the package ${packageName}, which is not installed: install it (${install})${builtinCachePackages[type] ? "" : ` or use one of ${builtinCacheTypes.join(", ")}`}`,
    );
    this.type = type;
    this.packageName = packageName;
  }
}

/** The package loaded but does not export what the type needs. */
export class InvalidPluginError extends ExpError {
  constructor(message: string) {
    super("ERR_PLUGIN_INVALID", message);
  }
}

/**
 * The Exporter for an output type: `image`/`registry` from @exp/exporter-image, `oci`/`docker` from
 * @exp/exporter-oci, `local`/`tar` from @exp/exporter-local; any other type is a package name
 * (`type=@acme/exp-exporter-s3-tar`). The package exports `exporters` (an array, picked by type:
 * for a package-name type the one whose `type` is the name, or the only one) or `exporter`.
 */
export async function resolveExporter(type: string, options: ResolveOptions): Promise<Exporter> {
  checkSpecType(type, "-o");
  const builtin = builtinExporterPackages[type];
  const packageName = builtin ?? type;
  const mod = isPluginSpecifier(packageName) ? await loadModule(packageName, searchDirectories(options), `output type "${type}"`) : undefined;
  if (!mod) throw new ExporterNotFoundError(type, packageName, installAdvice(packageName, options));
  const wanted = builtin ? type : undefined;
  return pick<Exporter>(mod, { plural: "exporters", singular: "exporter", wanted, packageName, what: `output type "${type}"`, check: isExporterLike });
}

/** The CacheExporter for a `--cache-to` type (named export `cacheExporter`, or `cacheExporters` picked by type). */
export async function resolveCacheExporter(type: string, options: ResolveOptions): Promise<CacheExporter> {
  checkSpecType(type, "--cache-to");
  const builtin = builtinCachePackages[type];
  const packageName = builtin ?? type;
  const mod = isPluginSpecifier(packageName) ? await loadModule(packageName, searchDirectories(options), `cache type "${type}"`) : undefined;
  if (!mod) throw new CacheBackendNotFoundError("to", type, packageName, installAdvice(packageName, options));
  return pick<CacheExporter>(mod, { plural: "cacheExporters", singular: "cacheExporter", wanted: builtin ? type : undefined, packageName, what: `cache type "${type}"`, check: isExporterLike });
}

/** The importer for a `--cache-from` type (named export `cacheImporter`, or `cacheImporters` picked by type). */
export async function resolveCacheImporter(type: string, options: ResolveOptions): Promise<CacheImporter> {
  checkSpecType(type, "--cache-from");
  const builtin = builtinCachePackages[type];
  const packageName = builtin ?? type;
  const mod = isPluginSpecifier(packageName) ? await loadModule(packageName, searchDirectories(options), `cache type "${type}"`) : undefined;
  if (!mod) throw new CacheBackendNotFoundError("from", type, packageName, installAdvice(packageName, options));
  return pick<CacheImporter>(mod, { plural: "cacheImporters", singular: "cacheImporter", wanted: builtin ? type : undefined, packageName, what: `cache type "${type}"`, check: isExporterLike });
}

interface PickOptions<T> {
  plural: string;
  singular: string;
  /** A built-in type must match exactly; a package-name type takes the one named like the package, or the only one. */
  wanted: string | undefined;
  packageName: string;
  what: string;
  check: (value: unknown) => value is T;
}

function pick<T extends { type: string }>(mod: Record<string, unknown>, options: PickOptions<T>): T {
  // A CommonJS plugin arrives as { default: module.exports }.
  const scopes = [mod, ...(typeof mod.default === "object" && mod.default !== null ? [mod.default as Record<string, unknown>] : [])];
  for (const scope of scopes) {
    const list = scope[options.plural];
    if (Array.isArray(list)) {
      const valid = list.filter(options.check);
      const chosen =
        options.wanted !== undefined
          ? valid.find((e) => e.type === options.wanted)
          : (valid.find((e) => e.type === options.packageName) ?? (valid.length === 1 ? valid[0] : undefined));
      if (chosen) return chosen;
      const types = valid.map((e) => e.type).join(", ") || "none";
      throw new InvalidPluginError(
        options.wanted !== undefined
          ? `${options.what}: package ${options.packageName} has no ${options.singular} of type "${options.wanted}" in "${options.plural}" (it has: ${types})`
          : `${options.what}: package ${options.packageName} exports several ${options.plural} (${types}) and none has the type "${options.packageName}"`,
      );
    }
    const single = scope[options.singular];
    if (single !== undefined) {
      if (!options.check(single)) throw new InvalidPluginError(`${options.what}: the "${options.singular}" export of package ${options.packageName} has no type and resolve(attrs) function`);
      if (options.wanted !== undefined && single.type !== options.wanted) {
        throw new InvalidPluginError(`${options.what}: package ${options.packageName} exports a ${options.singular} of type "${single.type}", not "${options.wanted}"`);
      }
      return single;
    }
  }
  throw new InvalidPluginError(`${options.what}: package ${options.packageName} exports neither "${options.plural}" nor "${options.singular}"`);
}

function isExporterLike<T>(value: unknown): value is T {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string" && typeof (value as { resolve?: unknown }).resolve === "function";
}
