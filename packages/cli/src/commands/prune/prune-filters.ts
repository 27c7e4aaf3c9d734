import { InvalidArgumentError } from "commander";
import { parseDuration } from "../../util/format.js";
import { isPrunableKind, prunableKinds, type PrunableKind } from "../store/holder-kinds.js";

/** `exp prune --filter` values, as buildx takes them (`until=24h`, `type=regular`, `type!=history`). */
export interface PruneFilters {
  /** Keep what was used within this long (ms); `text` as the user wrote it. */
  until?: { ms: number; text: string };
  type?: { kind: PrunableKind; negate: boolean };
}

const validFilters = `until=<duration> (e.g. until=24h) or type=${prunableKinds.join("|")} (type!= to exclude one)`;

/**
 * Commander's collector for `--filter` (repeatable): each value is checked as it is read, so a
 * typo is a usage error (exit 2) naming the value and what is valid, before anything is removed.
 * Like docker's filters, a key splits from its value at the first "="; "type!=x" is key "type!"
 * and "type==x" the same as "type=x". `unused-for` is buildx's deprecated synonym of `until`.
 */
export function collectPruneFilter(value: string, previous: PruneFilters | undefined): PruneFilters {
  const filters: PruneFilters = { ...previous };
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value: ${validFilters}`);
  let key = value.slice(0, eq);
  let text = value.slice(eq + 1);
  if (text.startsWith("=")) text = text.slice(1);
  if (key === "unused-for") key = "until";
  if (key === "until") {
    if (filters.until) throw new InvalidArgumentError(`"until" takes one value; it is already until=${filters.until.text}`);
    const ms = parseDuration(text);
    if (ms === undefined) throw new InvalidArgumentError(`"until" expects a duration such as 24h, 7d, 90m or 1h30m, not ${JSON.stringify(text)}`);
    filters.until = { ms, text };
    return filters;
  }
  if (key === "type" || key === "type!") {
    if (filters.type) throw new InvalidArgumentError(`"type" takes one value; it is already type${filters.type.negate ? "!" : ""}=${filters.type.kind}`);
    if (!isPrunableKind(text)) {
      throw new InvalidArgumentError(`exp prune removes records of type ${prunableKinds.join(", ")}, not ${JSON.stringify(text)} (exp has no exec.cachemount, frontend or internal records: it runs no containers)`);
    }
    filters.type = { kind: text, negate: key === "type!" };
    return filters;
  }
  throw new InvalidArgumentError(`unknown filter ${JSON.stringify(key)}; exp prune filters on ${validFilters}`);
}

/** Whether a record of this kind, last used then, is one the filters select. */
export function filtersSelect(filters: PruneFilters, kind: PrunableKind, lastUsedAt: Date, now: number): boolean {
  if (filters.type && (filters.type.kind === kind) === filters.type.negate) return false;
  if (filters.until && lastUsedAt.getTime() > now - filters.until.ms) return false;
  return true;
}
