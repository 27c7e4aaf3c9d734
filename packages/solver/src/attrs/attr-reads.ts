/**
 * A record of which attributes a component read, for tests that walk an exporter's option table:
 * an attribute that the reader accepts (its key is known) but that no code ever reads is silently
 * ignored, the defect issue 13 is about. AttrReader registers itself here while a recording runs.
 */
export interface AttrReadRecord {
  readonly component: string;
  /** Every attribute given, by key. */
  readonly given: readonly string[];
  /** The given attributes that were never read. */
  unread(): string[];
}

let recording: AttrReadRecord[] | undefined;

/** Called by AttrReader's constructor. */
export function registerAttrReads(record: AttrReadRecord): void {
  recording?.push(record);
}

/**
 * Runs `fn` (an exporter's `resolve(attrs)`, which is synchronous) and returns what it returned
 * with every AttrReader made meanwhile. Not reentrant, and not meant for production code paths.
 */
export function recordAttrReads<T>(fn: () => T): { value: T; readers: AttrReadRecord[] } {
  if (recording !== undefined) throw new Error("recordAttrReads is already recording");
  const readers: AttrReadRecord[] = [];
  recording = readers;
  try {
    return { value: fn(), readers };
  } finally {
    recording = undefined;
  }
}
