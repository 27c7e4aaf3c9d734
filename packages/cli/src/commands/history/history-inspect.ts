import { relative, isAbsolute } from "node:path";
import type { HistoryRecord, HistorySpec } from "@exp/content";
import type { CliIO } from "../../io.js";
import { formatBytes, formatSeconds, table } from "../../util/format.js";
import { openStoreForReading } from "../store/open-store.js";
import { storeRoot, type OutputFormat, type StoreOptions } from "../store/store-options.js";
import { attrsText, findRecord, recordJson, recordStatus } from "./history-records.js";

/**
 * `exp history inspect [id]`: one record in full, the latest without an id, laid out as
 * `buildx history inspect`: what was built (context, Dockerfile, target, platforms), how it went
 * (times, status, error, build steps), then the build args, the outputs and the cache imports and
 * exports, the results and the warnings. Opens the store read-only.
 */
export async function runHistoryInspect(io: CliIO, id: string | undefined, options: StoreOptions & { format: OutputFormat }): Promise<number> {
  const store = await openStoreForReading(io, options);
  const record = await findRecord(store, storeRoot(io, options), id, io.signal);
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(recordJson(record), null, 2)}\n`);
    return 0;
  }
  io.stdout.write(inspectText(record, io.cwd));
  return 0;
}

export function inspectText(record: HistoryRecord, cwd: string): string {
  const request = record.request ?? {};
  const sections: string[] = [];
  const context = request.context === undefined ? undefined : within(cwd, request.context);
  const steps = record.steps;
  const what: Field[] = [
    ["ID", record.id],
    ["Name", record.labels?.["exp.io/names"]],
    ["Context", context],
    ["Dockerfile", request.dockerfile === undefined ? undefined : request.context === undefined ? request.dockerfile : within(request.context, request.dockerfile)],
    // Records written before the request was kept have these as labels.
    ["Target", request.target ?? record.labels?.["exp.io/target"]],
    ["Platforms", request.platforms?.join(", ") ?? record.labels?.["exp.io/platforms"]?.split(",").join(", ")],
  ];
  const how: Field[] = [
    ["Created", record.createdAt.toISOString()],
    ["Completed", record.completedAt?.toISOString()],
    ["Duration", record.completedAt ? formatSeconds(record.completedAt.getTime() - record.createdAt.getTime()) : undefined],
    ["Status", recordStatus(record)],
    ["Error", record.error],
    // buildx's words: "Build Steps: 2/3 (33% cached)".
    ["Build Steps", steps ? `${steps.completed}/${steps.total} (${steps.total === 0 ? 0 : Math.round((steps.cached / steps.total) * 100)}% cached)` : undefined],
  ];
  const width = Math.max(...[...what, ...how].filter(([, v]) => v !== undefined).map(([label]) => label.length + 1));
  sections.push(fields(what, width), fields(how, width));
  const args = Object.entries(request.buildArgs ?? {});
  if (args.length > 0) sections.push(table(["BUILD ARG", "VALUE"], args).trimEnd());
  for (const [title, specs] of [
    ["OUTPUT", request.outputs],
    ["CACHE TO", request.cacheTo],
    ["CACHE FROM", request.cacheFrom],
  ] as const) {
    if (specs && specs.length > 0) sections.push(table([title, "ATTRIBUTES"], specs.map((s: HistorySpec) => [s.type, attrsText(s.attrs)])).trimEnd());
  }
  if (record.results.length > 0) sections.push(table(["RESULT", "DIGEST", "SIZE"], record.results.map((d) => [d.mediaType, d.digest, formatBytes(d.size)])).trimEnd());
  const labels = Object.entries(record.labels ?? {});
  if (labels.length > 0) sections.push(table(["LABEL", "VALUE"], labels).trimEnd());
  const warnings = record.warnings ?? [];
  if (warnings.length > 0) sections.push(`${warnings.length} warning${warnings.length === 1 ? "" : "s"}:\n${warnings.map((w) => ` - ${w}`).join("\n")}`);
  return `${sections.filter((s) => s !== "").join("\n\n")}\n`;
}

type Field = readonly [label: string, value: string | undefined];

/** `Label:   value` lines, values in one column; undefined values are left out (as buildx does). */
function fields(rows: readonly Field[], width: number): string {
  const shown = rows.filter((r): r is readonly [string, string] => r[1] !== undefined && r[1] !== "");
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join("\n");
}

/** `path` relative to `dir` when it is inside it (buildx shows the context and Dockerfile so), else as is. */
function within(dir: string, path: string): string {
  const rel = relative(dir, path);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}
