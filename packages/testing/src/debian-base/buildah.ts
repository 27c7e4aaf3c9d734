import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runTool } from "../run-tool.js";
import { tempDir } from "../temp-dir.js";
import { assertTools } from "../tools.js";

/**
 * A buildah storage of our own (vfs driver, root and runroot in one directory), never the
 * machine's /var/lib/containers. Share one per test run: the base image is then pulled once,
 * and buildah's own storage locks (containers/storage's lock files) make concurrent builds on it
 * safe; see buildah.test.ts.
 */
export interface BuildahStorage {
  root: string;
  runroot: string;
}

/** The global options that point buildah at `storage`. */
export function buildahStorageArgs(storage: BuildahStorage): string[] {
  return ["--root", storage.root, "--runroot", storage.runroot, "--storage-driver", "vfs"];
}

/** A fresh buildah storage under `dir` (default: a new temp dir); `cleanup()` removes it. */
export async function createBuildahStorage(options: { dir?: string; signal?: AbortSignal } = {}): Promise<BuildahStorage & { dir: string; cleanup(): Promise<void> }> {
  assertTools(["buildah"], "createBuildahStorage");
  const temp = options.dir ? undefined : await tempDir("exp-buildah-", options);
  const dir = options.dir ?? temp!.path;
  const storage = { dir, root: join(dir, "root"), runroot: join(dir, "runroot") };
  await mkdir(storage.root, { recursive: true });
  await mkdir(storage.runroot, { recursive: true });
  return { ...storage, cleanup: () => (temp ? temp.cleanup() : Promise.resolve()) };
}

/**
 * Pulls `reference` into the storage (plain HTTP for a test registry). Do it once before
 * building in parallel: two builds that both find the base missing would both pull it.
 */
export async function buildahPull(storage: BuildahStorage, reference: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  assertTools(["buildah"], "buildahPull");
  await runTool("buildah", [...buildahStorageArgs(storage), "pull", "--quiet", "--tls-verify=false", reference], { signal: options.signal, timeoutMs: 10 * 60_000 });
}

export interface BuildahBuildOptions {
  storage: BuildahStorage;
  context: string;
  /** Default `<context>/Dockerfile`; relative paths are relative to the context, as with `-f`. */
  dockerfile?: string;
  buildArgs?: Readonly<Record<string, string>>;
  target?: string;
  /** The OCI image layout directory to write (created if missing) and the tag to give the image there. */
  layout: string;
  tag: string;
  /**
   * Default "oci". "docker" keeps what only Docker's config has (ONBUILD, SHELL, HEALTHCHECK):
   * buildah drops them from OCI images. The layout then holds the image converted to OCI, so read
   * those fields from a `push` destination.
   */
  format?: "oci" | "docker";
  /** Registry references to push the image to as well (over plain HTTP, as for a test registry). */
  push?: readonly string[];
  signal?: AbortSignal;
}

export interface BuildahBuildResult {
  layout: string;
  tag: string;
  /** "<layout>:<tag>", for umoci and skopeo's `oci:` transport. */
  ociRef: string;
  /** buildah's output (the steps it ran). */
  log: string;
}

/**
 * Builds a Dockerfile with buildah (`bud`, vfs storage, `--isolation chroot`, base images pulled
 * over plain HTTP) and writes the result as an OCI image layout `layout:tag`. buildah is the peer
 * exp's image is compared with: another daemonless builder, with its own COPY implementation.
 * Without `push` the image is committed straight into the layout (one write, nothing kept in the
 * storage); with `push` it is committed to the storage, pushed everywhere, then removed.
 */
export async function buildahBuild(options: BuildahBuildOptions): Promise<BuildahBuildResult> {
  assertTools(["buildah"], "buildahBuild");
  const { storage, signal } = options;
  const global = buildahStorageArgs(storage);
  const layout = resolve(options.layout);
  const ociRef = `${layout}:${options.tag}`;
  await mkdir(layout, { recursive: true });
  const local = `localhost/exp-buildah-${randomBytes(6).toString("hex")}:latest`;
  const args = [...global, "bud", "--isolation", "chroot", "--tls-verify=false", "--format", options.format ?? "oci", "--quiet"];
  args.push("-f", resolve(options.context, options.dockerfile ?? "Dockerfile"));
  for (const [key, value] of Object.entries(options.buildArgs ?? {})) args.push("--build-arg", `${key}=${value}`);
  if (options.target) args.push("--target", options.target);
  const toStorage = (options.push?.length ?? 0) > 0;
  args.push("-t", toStorage ? local : `oci:${ociRef}`, options.context);
  const run = (a: string[]) => runTool("buildah", a, { signal, timeoutMs: 10 * 60_000 });
  let log = await run(args);
  if (toStorage) {
    try {
      log += await run([...global, "push", "--quiet", local, `oci:${ociRef}`]);
      for (const destination of options.push ?? []) {
        log += await run([...global, "push", "--quiet", "--tls-verify=false", local, `docker://${destination}`]);
      }
    } finally {
      await run([...global, "rmi", local]).catch(() => "");
    }
  }
  return { layout, tag: options.tag, ociRef, log };
}
