/**
 * Progress is a stream of typed events, never log lines: a UI (the CLI's plain or tty printer, a
 * JSON consumer) renders them. Every event names the vertex it belongs to, and vertices form a tree
 * (an exporter's vertex is the parent of its push steps), so parallel finalizers stay attributed.
 */
export type VertexStatus = "started" | "completed" | "cached" | "error" | "canceled";

export interface VertexEvent {
  type: "vertex";
  /** Stable within a build, e.g. "export-0", "cache-1", "export-0/push". */
  id: string;
  parent?: string;
  name: string;
  status: VertexStatus;
  /** ms since the epoch. */
  at: number;
  /** Only on "error": the message, already free of secrets. */
  error?: string;
}

export interface BytesEvent {
  type: "bytes";
  vertex: string;
  /** What is moving, usually a blob digest. */
  id: string;
  action: "compressing" | "writing" | "uploading" | "downloading" | "reading";
  current: number;
  total?: number;
  at: number;
}

export interface WarningEvent {
  type: "warning";
  vertex?: string;
  message: string;
  at: number;
}

export interface LogEvent {
  type: "log";
  vertex: string;
  message: string;
  at: number;
}

export type ProgressEvent = VertexEvent | BytesEvent | WarningEvent | LogEvent;

export type ProgressListener = (event: ProgressEvent) => void;
