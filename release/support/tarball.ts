import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { httpRequest } from "@exp/testing";
import { runOk } from "./run.js";
import type { Manifest } from "./workspace.js";

export interface Packument {
  name: string;
  "dist-tags": Record<string, string>;
  versions: Record<string, Manifest & { dist: { tarball: string; integrity?: string } }>;
}

/** The registry's document for `name`, or undefined when it does not know the package. */
export async function packument(registryUrl: string, name: string): Promise<Packument | undefined> {
  const res = await httpRequest(`${registryUrl}${name.replace("/", "%2f")}`, { headers: { accept: "application/json" } });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET ${registryUrl}${name}: ${res.status} ${res.body.toString("utf8").slice(0, 200)}`);
  return JSON.parse(res.body.toString("utf8")) as Packument;
}

export interface PublishedTarball {
  /** Paths inside the package, without tar's `package/` prefix; directories left out. */
  files: string[];
  /** The package.json inside the tarball: what installers read. */
  manifest: Manifest;
}

/** Downloads the tarball of `name@version` as a user's package manager would, and lists it. */
export async function publishedTarball(registryUrl: string, name: string, version: string, workDir: string): Promise<PublishedTarball> {
  const doc = await packument(registryUrl, name);
  const url = doc?.versions[version]?.dist.tarball;
  if (!url) throw new Error(`${name}@${version} is not in ${registryUrl}`);
  const res = await httpRequest(url, { timeoutMs: 30_000 });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  const path = join(workDir, `${name.replace("/", "+")}-${version}.tgz`);
  await writeFile(path, res.body);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
  const listing = (await runOk("tar", ["-tzf", path], { cwd: workDir, env })).stdout.split("\n").filter((line) => line && !line.endsWith("/"));
  const outside = listing.filter((line) => !line.startsWith("package/"));
  if (outside.length > 0) throw new Error(`${name}@${version}: entries outside package/: ${outside.join(", ")}`);
  const manifest = JSON.parse((await runOk("tar", ["-xzOf", path, "package/package.json"], { cwd: workDir, env })).stdout) as Manifest;
  return { files: listing.map((line) => line.slice("package/".length)).sort(), manifest };
}

/** What a user needs from a package, and nothing else: its manifest, README, CHANGELOG, license, and dist/. */
export function unexpectedFiles(files: readonly string[]): string[] {
  return files.filter((file) => !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE)$/.test(file) && !/^dist\/.+\.(js|cjs|d\.ts|d\.cts|js\.map|cjs\.map)$/.test(file));
}

/**
 * Every file the manifest points a resolver at: `main`, `module`, `types`/`typings`, `bin`, and each
 * target of `exports` under every condition but "@exp/source" (the workspace's own condition,
 * pointing at `src/`, which Node and TypeScript never use unless told to).
 */
export function manifestTargets(manifest: Manifest): string[] {
  const targets = new Set<string>();
  for (const value of [manifest.main, manifest.module, manifest.types, manifest.typings]) if (value) targets.add(value);
  if (typeof manifest.bin === "string") targets.add(manifest.bin);
  else for (const value of Object.values(manifest.bin ?? {})) targets.add(value);
  const walk = (node: unknown): void => {
    if (typeof node === "string") targets.add(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === "object" && node !== null) {
      for (const [key, inner] of Object.entries(node)) if (key !== "@exp/source") walk(inner);
    }
  };
  walk(manifest.exports);
  return [...targets].map((target) => target.replace(/^\.\//, "")).sort();
}
