import type { Digest, Platform } from "@exp/oci-spec";
import type { ChownSpec } from "./chown.js";

/**
 * The build graph: nodes that produce filesystems, like BuildKit's LLB ops but only the ones a
 * build without RUN needs. Image config changes (ENV, CMD, …) are not nodes: they produce no
 * layer and are applied by the front end on top of a node's result.
 */
export type FsNode = ScratchNode | ImageNode | LocalNode | HttpNode | CopyNode | MkdirNode;

export interface ScratchNode {
  readonly kind: "scratch";
}

/** A base image: a registry reference, an OCI layout directory (`oci-layout://dir[:tag]`). */
export interface ImageNode {
  readonly kind: "image";
  readonly ref: string;
  readonly platform: Platform;
  /** Progress name; default `FROM <ref>`. */
  readonly description?: string;
}

/** A directory on the build machine (the build context). */
export interface LocalNode {
  readonly kind: "local";
  readonly path: string;
  /** .dockerignore patterns. */
  readonly excludes: readonly string[];
}

/**
 * A file downloaded over HTTP(S), BuildKit's llb.HTTP source (what `ADD <url>` copies from): a
 * filesystem holding that one file at its root, mode 0600, owned by 0:0, its mtime the response's
 * Last-Modified (the epoch without one). Like a local directory it is only a COPY source (`from`).
 * The download needs SolverOptions.http.
 */
export interface HttpNode {
  readonly kind: "http";
  /** An http:// or https:// URL. */
  readonly url: string;
  /** The file's name (BuildKit's llb.Filename), one path component. */
  readonly filename: string;
  /**
   * `ADD --checksum`: the bytes must hash to it. It then names the content in the cache key, so
   * a build whose COPY is a cache hit downloads nothing (BuildKit resolves such a source statically).
   */
  readonly checksum?: Digest;
  /** Progress name of the download; default `GET <url>`. */
  readonly description?: string;
}

/** A file to create from text (a COPY heredoc). */
export interface InlineFile {
  readonly name: string;
  readonly content: string;
  readonly mode?: number;
}

/** COPY: files from `from` (a local directory or another node's filesystem) onto `base`, as one new layer. */
export interface CopyNode {
  readonly kind: "copy";
  readonly base: FsNode;
  /** Where files come from; absent when the copy writes only inline files (heredocs). */
  readonly from?: FsNode;
  readonly sources: readonly string[];
  readonly dest: string;
  readonly workdir: string;
  /** Numeric ids, or names looked up in the base's /etc/passwd and /etc/group (as BuildKit does). */
  readonly chown?: ChownSpec;
  /** Octal bits, or the --chmod text (octal or symbolic such as `u=rwX,go=rX`, as BuildKit accepts). */
  readonly chmod?: number | string;
  /** `--link`: the layer does not depend on `base`, so a changed base keeps its cache. */
  readonly link: boolean;
  readonly parents: boolean;
  readonly exclude: readonly string[];
  readonly inline: readonly InlineFile[];
  /**
   * ADD from the context or a stage: a source file that is a tar archive (plain, gzip, bzip2, xz
   * or zstd) is extracted into dest instead of copied (BuildKit's AttemptUnpack).
   */
  readonly unpack?: boolean;
  /** For history and progress, e.g. "COPY app /app". */
  readonly description: string;
}

/**
 * `mkdir -p` in `base`, as a layer of its own: what WORKDIR does in BuildKit (dockerfile2llb
 * convert.go dispatchWorkdir: llb.Mkdir with parents, mode 0755, owned by the USER of the stage).
 * An existing directory leaves the layer empty, as BuildKit's does.
 */
export interface MkdirNode {
  readonly kind: "mkdir";
  readonly base: FsNode;
  /** Absolute; symlinks on the way are followed inside the image. */
  readonly path: string;
  /** Owner of the directories it creates (the stage's USER); root when absent. */
  readonly user?: ChownSpec;
  readonly description: string;
}

export const scratch = (): ScratchNode => ({ kind: "scratch" });
export const image = (ref: string, platform: Platform, description?: string): ImageNode => ({ kind: "image", ref, platform, ...(description ? { description } : {}) });
export const local = (path: string, excludes: readonly string[] = []): LocalNode => ({ kind: "local", path, excludes });

export function http(url: string, options: Omit<HttpNode, "kind" | "url">): HttpNode {
  if (!/^https?:\/\//.test(url)) throw new TypeError(`http node: ${JSON.stringify(url)} is not an http:// or https:// URL`);
  const name = options.filename;
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new TypeError(`http node: file name ${JSON.stringify(name)} must be one path component`);
  }
  return { kind: "http", url, ...options };
}

export const mkdir = (base: FsNode, options: Omit<MkdirNode, "kind" | "base">): MkdirNode => ({ kind: "mkdir", base, ...options });

export function copy(base: FsNode, options: Omit<CopyNode, "kind" | "base" | "link" | "parents" | "exclude" | "inline" | "workdir"> & Partial<Pick<CopyNode, "link" | "parents" | "exclude" | "inline" | "workdir">>): CopyNode {
  return { kind: "copy", base, link: false, parents: false, exclude: [], inline: [], workdir: "/", ...options };
}
