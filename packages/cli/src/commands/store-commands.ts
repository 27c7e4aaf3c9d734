import { createInterface } from "node:readline";
import { resolve } from "node:path";
import { openContentStore, type ContentStore, type HistoryRecord } from "@exp/content";
import { ExpError } from "@exp/errors";
import { CacheRecords, clearHashCache } from "@exp/solver";
import { defaultStoreRoot, type CliIO } from "../io.js";
import { ago, formatBytes, formatSeconds, shortDigest, table } from "../util/format.js";

export interface StoreOptions {
  root?: string;
}

export type OutputFormat = "table" | "json";

/** The store directory: `--root` (relative to the working directory), else the default. */
export function storeRoot(io: CliIO, options: StoreOptions): string {
  return resolve(io.cwd, options.root ?? defaultStoreRoot(io.env));
}

export function openStore(io: CliIO, options: StoreOptions): Promise<ContentStore> {
  return openContentStore(storeRoot(io, options), io.signal ? { signal: io.signal } : {});
}

/** `exp du`: what the store holds and what a GC would reclaim. */
export async function runDu(io: CliIO, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const store = await openStore(io, options);
  const usage = await store.du();
  const cacheRecords = (await new CacheRecords(store).keys()).length;
  const history = (await store.history.list()).length;
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify({ root: store.root, ...usage, cacheRecords, historyRecords: history }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(
    table(
      ["", "COUNT", "SIZE"],
      [
        ["blobs", String(usage.blobs), formatBytes(usage.bytes)],
        ["reclaimable", String(usage.reclaimableBlobs), formatBytes(usage.reclaimableBytes)],
        ["ingests in progress", "", formatBytes(usage.ingestBytes)],
        ["build cache records", String(cacheRecords), ""],
        ["build history records", String(history), ""],
      ],
    ),
  );
  return 0;
}

export interface PruneOptions extends StoreOptions {
  all?: boolean;
  /** ms: history records newer than this are kept. */
  keepDuration?: number;
  /** As the user wrote it, for the confirmation question. */
  keepDurationText?: string;
  force?: boolean;
}

/**
 * `exp prune`: removes build history records (`--all`: every one; `--keep-duration`: the older
 * ones), then collects every blob nothing references any more. Without either option it only
 * collects garbage. Build cache records are what makes the next build fast: only `--all` removes
 * them too, as `docker buildx prune --all` does.
 */
export async function runPrune(io: CliIO, options: PruneOptions): Promise<number> {
  const removesHistory = options.keepDuration !== undefined || options.all === true;
  if (!options.force) {
    const what = removesHistory
      ? options.keepDuration !== undefined
        ? `build history older than ${options.keepDurationText ?? `${options.keepDuration}ms`} and every blob nothing references`
        : "all build history, the whole build cache and every blob nothing references"
      : "every blob nothing references";
    if (!(await confirm(io, `WARNING! This will remove ${what}.\nAre you sure you want to continue? [y/N] `))) {
      io.stderr.write("Prune cancelled (pass -f/--force to prune without this question).\n");
      return 1;
    }
  }
  const store = await openStore(io, options);
  const signal = io.signal ? { signal: io.signal } : {};
  const cacheRecords = options.all === true ? await new CacheRecords(store).clear(signal) : 0;
  if (options.all === true) await clearHashCache(store, signal);
  const result = removesHistory
    ? await store.prune({ ...(options.keepDuration !== undefined ? { olderThan: new Date(Date.now() - options.keepDuration) } : {}), ...signal })
    : { removedHistory: [] as string[], gc: await store.gc(signal) };
  const lines = [
    `Deleted build history records: ${result.removedHistory.length}`,
    ...(options.all === true ? [`Deleted build cache records: ${cacheRecords}`] : []),
    ...result.removedHistory.map((id) => `  ${id}`),
    `Deleted blobs: ${result.gc.deleted.length}`,
    ...(result.gc.expiredLeases.length > 0 ? [`Expired leases removed: ${result.gc.expiredLeases.length}`] : []),
    ...(result.gc.removedIngests > 0 ? [`Abandoned ingests removed: ${result.gc.removedIngests}`] : []),
    `Total reclaimed space: ${formatBytes(result.gc.reclaimedBytes)}`,
  ];
  io.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

async function confirm(io: CliIO, question: string): Promise<boolean> {
  if (!io.isTTY || !io.stdin) {
    throw new ExpError("ERR_CONFIRMATION_REQUIRED", "exp prune asks for confirmation on a terminal; pass -f/--force to prune without asking");
  }
  io.stderr.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolveAnswer) => {
      rl.once("line", resolveAnswer);
      rl.once("close", () => resolveAnswer(""));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** The record whose id is `id`, or the only one it is a prefix of. */
async function findRecord(store: ContentStore, id: string): Promise<HistoryRecord> {
  const exact = await store.history.get(id).catch(() => undefined);
  if (exact) return exact;
  const matches = (await store.history.list()).filter((r) => r.id.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new ExpError("ERR_HISTORY_AMBIGUOUS", `build id prefix "${id}" matches ${matches.length} records: ${matches.map((r) => r.id).join(", ")}`);
  throw new ExpError("ERR_HISTORY_NOT_FOUND", `no build record "${id}" in the store at ${store.root} (see exp history ls)`);
}

const shortMediaType = (mediaType: string) =>
  mediaType
    .replace(/^application\/vnd\.oci\.image\./, "oci-")
    .replace(/^application\/vnd\.docker\.distribution\./, "docker-")
    .replace(/^application\/vnd\./, "")
    .replace(/\.v\d+\+json$|\+json$/, "");

export async function runHistoryLs(io: CliIO, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const store = await openStore(io, options);
  const records = (await store.history.list()).reverse();
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(records.map(recordJson), null, 2)}\n`);
    return 0;
  }
  const now = Date.now();
  io.stdout.write(
    table(
      ["ID", "NAME", "STATUS", "CREATED", "DURATION", "RESULTS"],
      records.map((r) => [
        r.id,
        r.labels?.["exp.io/names"] ?? "-",
        r.error === undefined ? "Completed" : `Error: ${truncate(r.error, 48)}`,
        ago(r.createdAt, now),
        r.completedAt ? formatSeconds(r.completedAt.getTime() - r.createdAt.getTime()) : "-",
        r.results.map((d) => `${shortMediaType(d.mediaType)} ${shortDigest(d.digest)}`).join(", ") || "-",
      ]),
    ),
  );
  return 0;
}

export async function runHistoryInspect(io: CliIO, id: string, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const store = await openStore(io, options);
  const record = await findRecord(store, id);
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(recordJson(record), null, 2)}\n`);
    return 0;
  }
  const lines = [
    `ID:         ${record.id}`,
    `Created:    ${record.createdAt.toISOString()}`,
    ...(record.completedAt ? [`Completed:  ${record.completedAt.toISOString()}`, `Duration:   ${formatSeconds(record.completedAt.getTime() - record.createdAt.getTime())}`] : []),
    `Status:     ${record.error === undefined ? "Completed" : "Error"}`,
    ...(record.error === undefined ? [] : [`Error:      ${record.error}`]),
    ...Object.entries(record.labels ?? {}).map(([k, v], i) => `${i === 0 ? "Labels:     " : "            "}${k}=${v}`),
    `Results:    ${record.results.length === 0 ? "none" : ""}`.trimEnd(),
    ...record.results.map((d) => `  ${d.mediaType}  ${d.digest}  ${formatBytes(d.size)}`),
  ];
  io.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

export async function runHistoryRm(io: CliIO, ids: readonly string[], options: StoreOptions): Promise<number> {
  const store = await openStore(io, options);
  for (const id of ids) {
    const record = await findRecord(store, id);
    await store.history.delete(record.id);
    io.stdout.write(`${record.id}\n`);
  }
  return 0;
}

function recordJson(record: HistoryRecord): Record<string, unknown> {
  return {
    id: record.id,
    createdAt: record.createdAt.toISOString(),
    ...(record.completedAt ? { completedAt: record.completedAt.toISOString() } : {}),
    results: record.results,
    ...(record.labels ? { labels: record.labels } : {}),
    ...(record.error === undefined ? {} : { error: record.error }),
  };
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > max ? `${oneLine.slice(0, max - 3)}...` : oneLine;
}
