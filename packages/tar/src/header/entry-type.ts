/** The kinds of entry a tar holds, named as tar-stream and node-tar name them. */
export type TarEntryType = "file" | "link" | "symlink" | "character-device" | "block-device" | "directory" | "fifo" | "contiguous-file";

const FLAGS: Record<TarEntryType, string> = {
  file: "0",
  link: "1",
  symlink: "2",
  "character-device": "3",
  "block-device": "4",
  directory: "5",
  fifo: "6",
  "contiguous-file": "7",
};

const TYPES = new Map(Object.entries(FLAGS).map(([type, flag]) => [flag, type as TarEntryType]));

/** The typeflag byte of a type. */
export function typeflagOf(type: TarEntryType): string {
  return FLAGS[type];
}

/** The type of a typeflag byte, or undefined for one outside the eight entry kinds ("x", "L", "S", vendor flags). */
export function typeOfFlag(flag: string): TarEntryType | undefined {
  return TYPES.get(flag);
}

/**
 * Types whose header is the whole entry: whatever their size field says, no data follows
 * (Go's archive/tar, isHeaderOnlyType: links, devices, directories and FIFOs).
 */
export function isHeaderOnly(type: TarEntryType): boolean {
  return type !== "file" && type !== "contiguous-file";
}
