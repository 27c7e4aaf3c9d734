import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isExpError } from "@exp/errors";
import { PluginLoadError, resolveFromDirectory } from "./load-module.js";
import {
  CacheBackendNotFoundError,
  ExporterNotFoundError,
  InvalidPluginError,
  builtinCachePackages,
  builtinExporterPackages,
  resolveCacheExporter,
  resolveCacheImporter,
  resolveExporter,
} from "./resolve.js";
import { UnknownTypeError, builtinCacheTypes } from "../spec/spec-type.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "exp-plugins-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A package in <dir>/node_modules that exp itself cannot import: only the cwd fallback finds it. */
async function installPackage(name: string, files: Record<string, string>, manifest: Record<string, unknown> = {}): Promise<string> {
  const pkgDir = join(dir, "node_modules", name);
  await mkdir(pkgDir, { recursive: true });
  await writeFile(join(pkgDir, "package.json"), JSON.stringify({ name, version: "1.0.0", type: "module", ...manifest }));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(pkgDir, file, ".."), { recursive: true });
    await writeFile(join(pkgDir, file), text);
  }
  return pkgDir;
}

const exporterSource = (types: string[], exportName = "exporters") =>
  `const make = (type) => ({ type, resolve: (attrs) => ({ type, name: "exporting " + type, attrs, export: async () => ({ response: {} }) }) });\n` +
  (exportName === "exporters" ? `export const exporters = ${JSON.stringify(types)}.map(make);\n` : `export const ${exportName} = make(${JSON.stringify(types[0])});\n`);

describe("type -> package", () => {
  it("maps the built-in types to the exporter packages", () => {
    expect(builtinExporterPackages).toEqual({
      image: "@exp/exporter-image",
      registry: "@exp/exporter-image",
      oci: "@exp/exporter-oci",
      docker: "@exp/exporter-oci",
      local: "@exp/exporter-local",
      tar: "@exp/exporter-local",
    });
    expect(builtinCachePackages).toEqual({ registry: "@exp/cache-registry", local: "@exp/cache-local", s3: "@exp/cache-s3", azblob: "@exp/cache-azblob", gha: "@exp/cache-gha", inline: "@exp/cache-inline" });
    // The list the spec check and the messages use is the list of packages.
    expect(Object.keys(builtinCachePackages)).toEqual([...builtinCacheTypes]);
  });

  it("a missing package is ERR_EXPORTER_NOT_FOUND with the install hint", async () => {
    const error = await resolveExporter("@acme/exp-exporter-nope", { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExporterNotFoundError);
    expect(isExpError(error, "ERR_EXPORTER_NOT_FOUND")).toBe(true);
    expect((error as Error).message).toBe(
      'output type "@acme/exp-exporter-nope" needs the package @acme/exp-exporter-nope, which is not installed: install it (pnpm add @acme/exp-exporter-nope) or use one of image, registry, oci, docker, local, tar',
    );
  });

  it("a typo of a built-in type only suggests the built-in type: it is never looked up as a package, nor offered for installation", async () => {
    // Installed, even: a package named like a typo of a built-in type is what a typosquatter publishes.
    await installPackage("imgae", { "index.js": exporterSource(["imgae"]) });
    const error = await resolveExporter("imgae", { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownTypeError);
    expect((error as UnknownTypeError).code).toBe("ERR_UNKNOWN_TYPE");
    expect((error as Error).message).toBe('output type "imgae" is not one of image, registry, oci, docker, local, tar (did you mean "image"?)');
    await expect(resolveCacheExporter("locl", { cwd: dir })).rejects.toThrow('cache type "locl" (--cache-to) is not one of registry, local, s3, azblob, gha, inline (did you mean "local"?)');
    await expect(resolveCacheImporter("s4", { cwd: dir })).rejects.toThrow('cache type "s4" (--cache-from) is not one of registry, local, s3, azblob, gha, inline (did you mean "s3"?)');
  });

  it("a type that cannot be a package name is refused as such, with no install advice", async () => {
    await expect(resolveExporter("Not A Package", { cwd: dir })).rejects.toThrow(
      'output type "Not A Package" is neither one of image, registry, oci, docker, local, tar nor a package name (e.g. @acme/exp-exporter-s3-tar) or module path (./plugin.js)',
    );
  });

  it("resolves the built-in cache types, and names the package to install for a missing one", async () => {
    for (const type of ["registry", "local", "s3", "inline"]) expect((await resolveCacheExporter(type, { cwd: dir })).type).toBe(type);
    const error = await resolveCacheExporter("@acme/exp-cache-nope", { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheBackendNotFoundError);
    expect((error as CacheBackendNotFoundError).code).toBe("ERR_CACHE_EXPORTER_NOT_FOUND");
    expect((error as Error).message).toBe('cache type "@acme/exp-cache-nope" (--cache-to) needs the package @acme/exp-cache-nope, which is not installed: install it (pnpm add @acme/exp-cache-nope) or use one of registry, local, s3, azblob, gha, inline');
    await expect(resolveCacheImporter("@acme/no-cache", { cwd: dir })).rejects.toMatchObject({ code: "ERR_CACHE_IMPORTER_NOT_FOUND", packageName: "@acme/no-cache" });
  });
});

describe("loading plugin packages", () => {
  it("imports the example plugin and accepts its single `exporter` export", async () => {
    const exporter = await resolveExporter("@exp/example-custom-exporter", { cwd: dir });
    expect(exporter.type).toBe("layer-report");
    expect(() => exporter.resolve({})).toThrow(/"dest" is required/);
  });

  it("finds a package installed under the working directory (walking up) when exp cannot import it", async () => {
    await installPackage("exp-exporter-fake", { "dist/index.js": exporterSource(["exp-exporter-fake"]) }, { exports: { ".": { import: "./dist/index.js" } } });
    const nested = join(dir, "a", "b");
    await mkdir(nested, { recursive: true });
    const exporter = await resolveExporter("exp-exporter-fake", { cwd: nested });
    expect(exporter.type).toBe("exp-exporter-fake");
    await expect(resolveExporter("exp-exporter-fake", { cwd: tmpdir() })).rejects.toBeInstanceOf(ExporterNotFoundError);
  });

  it("picks from `exporters` the one named like the package, or the only one", async () => {
    await installPackage("@acme/multi", { "index.js": exporterSource(["@acme/multi", "other"]) }, { main: "index.js" });
    await installPackage("@acme/single", { "index.js": exporterSource(["s3-tar"]) }, { main: "index.js" });
    await installPackage("@acme/ambiguous", { "index.js": exporterSource(["a", "b"]) }, { main: "index.js" });
    expect((await resolveExporter("@acme/multi", { cwd: dir })).type).toBe("@acme/multi");
    expect((await resolveExporter("@acme/single", { cwd: dir })).type).toBe("s3-tar");
    await expect(resolveExporter("@acme/ambiguous", { cwd: dir })).rejects.toThrow(/exports several exporters \(a, b\) and none has the type "@acme\/ambiguous"/);
  });

  it("says when a package has neither export, and when a package is present but broken", async () => {
    await installPackage("exp-empty", { "index.js": "export const nothing = 1;\n" }, { main: "index.js" });
    await expect(resolveExporter("exp-empty", { cwd: dir })).rejects.toBeInstanceOf(InvalidPluginError);
    await expect(resolveExporter("exp-empty", { cwd: dir })).rejects.toThrow(/exports neither "exporters" nor "exporter"/);
    await installPackage("exp-broken", { "index.js": 'import "exp-missing-dependency";\nexport const exporter = {};\n' }, { main: "index.js" });
    const error = await resolveExporter("exp-broken", { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginLoadError);
    expect((error as Error).message).toMatch(/package exp-broken was found but could not be loaded: .*exp-missing-dependency/);
  });

  it("loads cache exporters and importers by their named exports", async () => {
    await installPackage("exp-cache-fake", {
      "index.js": "export const cacheExporter = { type: 'exp-cache-fake', resolve: () => ({}) };\nexport const cacheImporter = { type: 'exp-cache-fake', resolve: () => ({}) };\n",
    }, { main: "index.js" });
    expect((await resolveCacheExporter("exp-cache-fake", { cwd: dir })).type).toBe("exp-cache-fake");
    expect((await resolveCacheImporter("exp-cache-fake", { cwd: dir })).type).toBe("exp-cache-fake");
  });

  it("loads a plugin from a path relative to the working directory", async () => {
    await writeFile(join(dir, "my-exporter.mjs"), exporterSource(["mine"], "exporter"));
    expect((await resolveExporter("./my-exporter.mjs", { cwd: dir })).type).toBe("mine");
    await expect(resolveExporter("./nope.mjs", { cwd: dir })).rejects.toBeInstanceOf(ExporterNotFoundError);
  });
});

describe("resolveFromDirectory", () => {
  it("follows exports conditions (import, node, default), subpaths, then module/main", async () => {
    const a = await installPackage("pkg-a", {}, { exports: { ".": [{ require: "./a.cjs", import: "./a.mjs" }], "./sub": { default: "./sub.js" } } });
    const b = await installPackage("pkg-b", {}, { module: "./esm.js", main: "./cjs.js" });
    const c = await installPackage("pkg-c", {}, { exports: "./c.js" });
    expect(resolveFromDirectory("pkg-a", dir)).toBe(join(a, "a.mjs"));
    expect(resolveFromDirectory("pkg-a/sub", dir)).toBe(join(a, "sub.js"));
    expect(resolveFromDirectory("pkg-a/nope", dir)).toBeUndefined();
    expect(resolveFromDirectory("pkg-b", dir)).toBe(join(b, "esm.js"));
    expect(resolveFromDirectory("pkg-c", dir)).toBe(join(c, "c.js"));
    expect(resolveFromDirectory("pkg-none", dir)).toBeUndefined();
  });
});
