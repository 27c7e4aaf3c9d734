import { attributeUsage, type Holder, type StoreUsage, type UsageGroup } from "@exp/content";
import { storedImageName } from "../image/stored-image-name.js";
import { holderKind, type HolderKind } from "../store/holder-kinds.js";

/** One line of `exp du`: a holder (an image, another root) or a kind of holder taken together. */
export interface DuRow {
  type: HolderKind | "unreferenced";
  /** An image or root name; for the other kinds, what they are. */
  name: string;
  /** How many holders the row sums (records, leases); 1 for an image or a root. */
  count: number;
  blobs: number;
  bytes: number;
  /** Held by this row and nothing else: what removing it would let `exp prune` reclaim. */
  uniqueBlobs: number;
  uniqueBytes: number;
  lastUsedAt?: Date;
}

export interface DuReport {
  rows: DuRow[];
  total: { blobs: number; bytes: number };
  reclaimable: { blobs: number; bytes: number };
  ingestBytes: number;
}

const rowOrder: Array<DuRow["type"]> = ["image", "regular", "source.local", "history", "lease", "root", "unreferenced"];

/** Images and other roots one row each (by name), build cache, file hashes, history and leases one row per kind. */
function groupKey(holder: Holder): string {
  const kind = holderKind(holder);
  return kind === "image" || kind === "root" ? `${kind}\0${(holder as { name: string }).name}` : kind;
}

function describe(kind: HolderKind, count: number): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  switch (kind) {
    case "regular":
      return `build cache (${plural(count, "record")})`;
    case "source.local":
      return "build context file hashes";
    case "history":
      return `build history (${plural(count, "record")})`;
    case "lease":
      return `builds and exports running now (${plural(count, "lease")})`;
    default:
      return kind;
  }
}

/** What holds what, as `exp du` prints it: every byte attributed, shared bytes in each holder's SIZE. */
export function duReport(usage: StoreUsage): DuReport {
  const attribution = attributeUsage(usage, groupKey);
  const rows = attribution.groups.map((group: UsageGroup): DuRow => {
    const [kind, name] = group.key.split("\0") as [HolderKind, string | undefined];
    return {
      type: kind,
      name: name === undefined ? describe(kind, group.holders) : kind === "image" ? storedImageName(name).display : name,
      count: group.holders,
      blobs: group.blobs,
      bytes: group.bytes,
      uniqueBlobs: group.uniqueBlobs,
      uniqueBytes: group.uniqueBytes,
      lastUsedAt: group.lastUsedAt,
    };
  });
  rows.sort((a, b) => rowOrder.indexOf(a.type) - rowOrder.indexOf(b.type) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { unreferenced } = attribution;
  rows.push({ type: "unreferenced", name: "nothing (exp prune removes these)", count: 0, blobs: unreferenced.blobs, bytes: unreferenced.bytes, uniqueBlobs: unreferenced.blobs, uniqueBytes: unreferenced.bytes });
  return { rows, total: attribution.total, reclaimable: unreferenced, ingestBytes: usage.ingestBytes };
}
