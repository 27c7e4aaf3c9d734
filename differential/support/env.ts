import { inject } from "vitest";
import type { BuildahStorage } from "@exp/testing";

/** What global-setup.ts prepares once for the whole project, handed to every test file. */
export interface DifferentialEnv {
  /** "127.0.0.1:PORT" of the one registry serving the base (and the ONBUILD parents). */
  registryHost: string;
  /** "<registryHost>/debian:bookworm-min" */
  baseRef: string;
  /** The buildah storage every case builds in (the base is already pulled into it). */
  storage: BuildahStorage;
  /** A directory for this run's cases (removed at the end). */
  runDir: string;
  /** The base image's OCI layout reference ("<layout>:bookworm-min"). */
  baseOciRef: string;
  /**
   * The base image unpacked once (never written to: cases unpack onto overlays over it), and its
   * snapshot (snapshot-json.ts), snapshotTree's baseline.
   */
  baseRootfs: string;
  baselinePath: string;
}

declare module "vitest" {
  interface ProvidedContext {
    /** Null when the tools are missing on a developer machine (the files then skip). */
    differential: DifferentialEnv | null;
  }
}

/** The project's shared setup; only call it inside a describe that skips when tools are missing. */
export function differentialEnv(): DifferentialEnv {
  const env = inject("differential");
  if (!env) throw new Error("differential: global setup did not run (tools missing?)");
  return env;
}

/** Every tool the differential suite runs. */
export const DIFFERENTIAL_TOOLS = ["mmdebstrap", "buildah", "umoci", "skopeo", "docker-registry", "getfattr", "setfattr", "chroot", "mkfifo"];
