import type { BytesEvent, VertexStatus } from "./events.js";

/**
 * Progress as the contract hands it to exporters, cache backends and importers: one vertex of the
 * build's progress, able to open sub-steps under it. `ProgressReporter` implements it; a plugin's
 * test can hand in its own.
 */
export interface Progress {
  /** The vertex id, e.g. "export-0"; "" for the build's root. */
  readonly vertex: string;
  readonly name: string;
  /** A sub-step under this vertex (a top-level vertex when called on the root). */
  child(id: string, name: string): Progress;
  status(status: VertexStatus, error?: unknown): void;
  /** Reports start, then completed / error / canceled around `fn`. */
  run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** A one-line sub-step, started now; call the returned function when it ends (with the error, if it failed). */
  oneOff(id: string, name: string): (error?: unknown) => void;
  /** How far a blob has moved: `current` of `total` bytes, under this vertex. */
  bytes(id: string, action: BytesEvent["action"], current: number, total?: number): void;
  warn(message: string): void;
  log(message: string): void;
}
