import { prunableKinds, type PrunableKind } from "../store/holder-kinds.js";
import { removesRecords, type PruneSelection } from "./prune-plan.js";
import { formatLimit } from "./space-limits.js";

const kindWords: Record<PrunableKind, string> = {
  regular: "every build cache record",
  "source.local": "the build context file hashes",
  history: "every build history record",
};

/** The confirmation question: exactly what this prune removes, and that images stay. */
export function pruneWarning(selection: PruneSelection): string {
  if (!removesRecords(selection)) {
    return "WARNING! This will remove all dangling build cache: every blob nothing references (the build cache records, build history and images are kept).";
  }
  const { filters, limits } = selection;
  const type = filters.type;
  const selected = type ? prunableKinds.filter((kind) => (kind === type.kind) !== type.negate) : [...prunableKinds];
  const words = selected.map((kind) => kindWords[kind]);
  const kinds = words.length > 1 ? `${words.slice(0, -1).join(", ")} and ${words.at(-1)}` : words[0]!;
  const age = filters.until ? ` not used in the last ${filters.until.text}` : "";
  const fit = [
    ...(limits.maxUsedSpace ? [`--max-used-space ${formatLimit(limits.maxUsedSpace)}`] : []),
    ...(limits.minFreeSpace ? [`--min-free-space ${formatLimit(limits.minFreeSpace)}`] : []),
    ...(limits.reservedSpace ? [`--reserved-space ${formatLimit(limits.reservedSpace)}`] : []),
  ];
  const limit = fit.length > 0 ? `, least recently used first, until the store fits ${fit.join(", ")}` : "";
  return `WARNING! This will remove ${kinds}${age}${limit}, then every blob nothing else references (images are kept: exp image rm removes them).`;
}
