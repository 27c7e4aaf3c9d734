import type { ContentStore, HistoryRecord, HistoryRequest, HistorySpec, HistoryStepCounts } from "@exp/content";
import type { ProgressEvent, VertexStatus } from "@exp/solver";
import type { Spec } from "../spec/output.js";
import { isSecretName, type Redactor } from "../util/redact.js";

/**
 * What a build's progress says about it, for its history record and its metadata file: the
 * warnings (each once, in order) and the build steps with their final state.
 */
export class BuildLog {
  readonly warnings: string[] = [];
  private readonly seen = new Set<string>();
  private readonly steps = new Map<string, VertexStatus>();

  onEvent(event: ProgressEvent): void {
    if (event.type === "warning") this.warn(event.message);
    // Build steps are the top-level vertices other than imports, exports and cache exports.
    if (event.type === "vertex" && event.parent === undefined && !/^(export|cache|import)-/.test(event.id)) {
      const previous = this.steps.get(event.id);
      // A step that finished stays finished (a later "started" of the same id is the same step).
      if (previous === undefined || previous === "started") this.steps.set(event.id, event.status);
    }
  }

  warn(message: string): void {
    if (this.seen.has(message)) return;
    this.seen.add(message);
    this.warnings.push(message);
  }

  stepCounts(): HistoryStepCounts {
    const states = [...this.steps.values()];
    return {
      total: states.length,
      completed: states.filter((s) => s === "completed" || s === "cached").length,
      cached: states.filter((s) => s === "cached").length,
    };
  }
}

export interface RequestInput {
  context: string;
  dockerfile: string;
  target?: string;
  platforms: readonly string[];
  buildArgs: Readonly<Record<string, string>>;
  outputs: readonly Spec[];
  cacheTo: readonly Spec[];
  cacheFrom: readonly Spec[];
}

/**
 * The request as the history keeps it, which outlives the terminal: build args and spec
 * attributes with secret-looking names (API_TOKEN, secret_access_key, password) are masked
 * whatever their length, and every other value passes through the redactor (credentials in a
 * URL, a secret build arg's value repeated elsewhere).
 */
export function historyRequest(input: RequestInput, redactor: Redactor): HistoryRequest {
  const redact = (text: string) => redactor.redact(text);
  return {
    frontend: "dockerfile",
    context: redact(input.context),
    dockerfile: redact(input.dockerfile),
    ...(input.target ? { target: redact(input.target) } : {}),
    ...(input.platforms.length > 0 ? { platforms: input.platforms.map(redact) } : {}),
    ...(Object.keys(input.buildArgs).length > 0 ? { buildArgs: maskValues(input.buildArgs, redactor) } : {}),
    outputs: input.outputs.map((s) => historySpec(s, redactor)),
    ...(input.cacheTo.length > 0 ? { cacheTo: input.cacheTo.map((s) => historySpec(s, redactor)) } : {}),
    ...(input.cacheFrom.length > 0 ? { cacheFrom: input.cacheFrom.map((s) => historySpec(s, redactor)) } : {}),
  };
}

function historySpec(spec: Spec, redactor: Redactor): HistorySpec {
  return { type: spec.type, attrs: maskValues(spec.attrs, redactor) };
}

function maskValues(values: Readonly<Record<string, string>>, redactor: Redactor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const masked = isSecretName(key) ? "****" : redactor.redact(value);
    Object.defineProperty(out, key, { value: masked, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export interface HistoryRun {
  buildId: string;
  startedAt: number;
  exportRan: boolean;
  failure: unknown;
  canceled: boolean;
  labels: Record<string, string>;
  request: HistoryRequest;
  log: BuildLog;
  redactor: Redactor;
}

/**
 * The coordinator writes the history record when the export ends; exp adds when the build
 * started and what it was asked for, its step counts and warnings. A build that failed before
 * exporting gets a record of its own, with the error, as in BuildKit's history.
 */
export async function recordHistory(store: ContentStore, run: HistoryRun): Promise<void> {
  const details: Partial<HistoryRecord> = {
    createdAt: new Date(run.startedAt),
    request: run.request,
    steps: run.log.stepCounts(),
    ...(run.log.warnings.length > 0 ? { warnings: run.log.warnings.map((w) => run.redactor.redact(w)) } : {}),
    ...(run.canceled ? { canceled: true } : {}),
  };
  const existing = run.exportRan ? await store.history.get(run.buildId) : undefined;
  if (existing) {
    const error = existing.error === undefined ? {} : { error: run.redactor.redact(existing.error) };
    await store.history.put({ ...existing, ...error, ...details, labels: { ...existing.labels, ...run.labels } });
    return;
  }
  if (run.failure === undefined) return;
  // The record outlives the terminal: what it keeps must be as free of secrets as what is printed.
  const error = run.redactor.redact(messageOf(run.failure));
  await store.history.put({ id: run.buildId, createdAt: new Date(run.startedAt), completedAt: new Date(), results: [], labels: run.labels, error, ...details });
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
