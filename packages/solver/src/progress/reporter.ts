import type { BytesEvent, ProgressListener, VertexStatus } from "./events.js";
import type { Progress } from "./progress.js";

/**
 * A progress writer scoped to one vertex. `child()` opens a sub-step under it; `run()` wraps an
 * async step so its start, end or error are always reported, even when it throws.
 */
export class ProgressReporter implements Progress {
  constructor(
    private readonly listener: ProgressListener,
    readonly vertex: string,
    readonly name: string,
    readonly parent?: string,
  ) {}

  static root(listener: ProgressListener | undefined): ProgressReporter {
    return new ProgressReporter(listener ?? (() => {}), "", "build");
  }

  /** A vertex under this one (or a top-level vertex when called on the root). */
  child(id: string, name: string): ProgressReporter {
    const fullId = this.vertex === "" ? id : `${this.vertex}/${id}`;
    return new ProgressReporter(this.listener, fullId, name, this.vertex === "" ? undefined : this.vertex);
  }

  status(status: VertexStatus, error?: unknown): void {
    this.listener({
      type: "vertex",
      id: this.vertex,
      ...(this.parent === undefined ? {} : { parent: this.parent }),
      name: this.name,
      status,
      at: Date.now(),
      ...(error === undefined ? {} : { error: error instanceof Error ? error.message : String(error) }),
    });
  }

  /** Reports start, then completed / error / canceled around `fn`. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.status("started");
    try {
      const value = await fn();
      this.status("completed");
      return value;
    } catch (error) {
      if (signal?.aborted) this.status("canceled");
      else this.status("error", error);
      throw error;
    }
  }

  /**
   * A sub-step that is one line under this vertex, like BuildKit's `progress.OneOff`: reported
   * started now; call the returned function when it ends (with the error, if it failed).
   */
  oneOff(id: string, name: string): (error?: unknown) => void {
    const step = this.child(id, name);
    step.status("started");
    return (error?: unknown) => (error === undefined ? step.status("completed") : step.status("error", error));
  }

  bytes(id: string, action: BytesEvent["action"], current: number, total?: number): void {
    this.listener({ type: "bytes", vertex: this.vertex, id, action, current, ...(total === undefined ? {} : { total }), at: Date.now() });
  }

  warn(message: string): void {
    this.listener({ type: "warning", ...(this.vertex === "" ? {} : { vertex: this.vertex }), message, at: Date.now() });
  }

  log(message: string): void {
    this.listener({ type: "log", vertex: this.vertex, message, at: Date.now() });
  }
}
