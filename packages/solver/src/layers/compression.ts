import { spawn } from "node:child_process";
import { Duplex, PassThrough, type Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { ExpError, InvalidOptionError } from "@exp/errors";
import { COMPRESSIONS, type Compression } from "@exp/oci-spec";
import { createGzipCompressor } from "./gzip-compressor.js";

export type CompressionType = Compression;

export const compressionTypes: readonly CompressionType[] = COMPRESSIONS;

/** What an exporter asks of a layer: `compression=…,compression-level=…,force-compression=…`. */
export interface CompressionRequest {
  type: CompressionType;
  /** gzip 0–9, zstd 0–22; undefined means the library default (gzip 6, zstd 3). */
  level?: number;
  /** Re-compress even when a blob of another compression (a base-image layer) already exists. */
  force?: boolean;
}

const levelRange: Record<CompressionType, [number, number]> = { gzip: [0, 9], zstd: [0, 22], uncompressed: [0, 0] };

export function checkCompressionRequest(request: CompressionRequest, component = "compression"): CompressionRequest {
  if (!compressionTypes.includes(request.type)) {
    throw new InvalidOptionError(component, "compression", String(request.type), `one of ${compressionTypes.join(", ")}`);
  }
  if (request.level !== undefined && request.type !== "uncompressed") {
    const [min, max] = levelRange[request.type];
    if (!Number.isInteger(request.level) || request.level < min || request.level > max) {
      throw new InvalidOptionError(component, "compression-level", String(request.level), `an integer from ${min} to ${max} for ${request.type}`);
    }
  }
  return request;
}

/**
 * A command a compression needs is missing: zstd layers need `zstd` until Node ships zstd in zlib
 * (Node 22.15); ADD of an xz or bzip2 archive needs `xz` or `bzip2` (BuildKit's go-archive runs `xz` too).
 */
export class CompressorUnavailableError extends ExpError {
  constructor(cause: unknown, tool = "zstd", what = "zstd compression", debianPackage = "zstd") {
    super("ERR_COMPRESSOR_UNAVAILABLE", `${what} needs the \`${tool}\` command on PATH (Debian: apt-get install ${debianPackage})`, { cause, fault: "server" });
  }
}

/**
 * A streaming compressor. gzip deflates a layer on every core (pigz-style blocks on libuv's pool,
 * see gzip-compressor.ts); zstd runs in the `zstd` binary, which streams and uses another core
 * (Node 20's zlib has no zstd).
 */
export function createCompressor(request: CompressionRequest, options: { signal?: AbortSignal | undefined } = {}): Transform | Duplex {
  switch (request.type) {
    case "uncompressed":
      return new PassThrough();
    case "gzip":
      return createGzipCompressor(request.level, options);
    case "zstd":
      return zstdProcess(zstdLevelArgs(request.level ?? 3));
  }
}

/** The inverse of createCompressor, for reading a compressed layer back as a tar. */
export function createDecompressor(type: CompressionType): Transform | Duplex {
  switch (type) {
    case "uncompressed":
      return new PassThrough();
    case "gzip":
      return createGunzip();
    case "zstd":
      return zstdProcess(["-q", "-d", "-c"]);
  }
}

/**
 * `-T0`: one worker per core. zstd's multi-threaded mode cuts the input into jobs whose size
 * depends on the level, not on the number of workers, so the bytes are the same on any number of
 * cores (and the same as the CLI's default, one worker): one layer on every core, as @exp/pgzip
 * does for gzip (issue 20 point 3).
 */
function zstdLevelArgs(level: number): string[] {
  return level > 19 ? ["--ultra", "-q", "-c", "-T0", `-${level}`] : ["-q", "-c", "-T0", `-${level}`];
}

function zstdProcess(args: string[]): Duplex {
  return toolProcess({ tool: "zstd", args, what: "zstd compression", debianPackage: "zstd" });
}

/** A command that filters stdin to stdout, as a Duplex; its failure (or absence) destroys it. */
export function toolProcess(command: { tool: string; args: readonly string[]; what: string; debianPackage: string }): Duplex {
  const child = spawn(command.tool, command.args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on("error", (error) => duplex.destroy(new CompressorUnavailableError(error, command.tool, command.what, command.debianPackage)));
  child.on("close", (code, signal) => {
    if (code !== 0 && !duplex.destroyed) duplex.destroy(new ExpError("ERR_COMPRESSION_FAILED", `${command.tool} exited with ${code ?? signal}: ${stderr.trim()}`, { fault: "server" }));
  });
  duplex.on("close", () => {
    if (child.exitCode === null) child.kill();
  });
  return duplex;
}
