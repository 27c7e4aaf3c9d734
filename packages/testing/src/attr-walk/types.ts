/**
 * The shapes of an option-table walk (issue 13, point 2): for every attribute an exporter or cache
 * backend accepts, one export without it and one with it, and an assertion that the artifact
 * differs exactly as BuildKit's would. Generic over the artifact snapshot `A` the caller reads back.
 */

/** One row of the table: an attribute, the value to try, and what must differ. */
export interface AttrCase<A> {
  /** The option-table key this row covers (for a prefix key such as `annotation.`, the prefix). */
  readonly key: string;
  /** The attributes added for the "with" export (usually `{ [key]: value }`; a prefix key names a full key). */
  readonly with: Readonly<Record<string, string>>;
  /** Attributes both exports get, when the row only means something beside them (`source-date-epoch` for `rewrite-timestamp`). */
  readonly base?: Readonly<Record<string, string>>;
  /** A source the caller knows by name (e.g. "multi-platform"); the caller's default when absent. */
  readonly variant?: string;
  /** What differs, as BuildKit's would, for failure messages: "layer media type +zstd". */
  readonly expect: string;
  /** Throws unless `withIt` differs from `without` as `expect` says (and, ideally, only so). */
  differs(without: A, withIt: A): void | Promise<void>;
}

/** Keys of the table not walked, each with why (required by every export, refused by design...). */
export type AttrExemptions = Readonly<Record<string, string>>;

export interface AttrWalkOptions<A> {
  /** Names the walk in messages: "exporter oci". */
  readonly name: string;
  /** The whole option table (what the component's AttrReader accepts); every key needs a case or an exemption. */
  readonly keys: readonly string[];
  readonly cases: readonly AttrCase<A>[];
  readonly exempt?: AttrExemptions;
  /** Attributes every export gets (`dest` and the like). */
  readonly attrs?: Readonly<Record<string, string>>;
  /** Exports with these attributes and reads the artifact back. */
  export(attrs: Readonly<Record<string, string>>, variant: string | undefined): Promise<A>;
  /** A stable text of everything in the artifact that matters: two exports differ iff their fingerprints do. */
  fingerprint(artifact: A): string;
  /**
   * Resolves the component with these attributes and returns the given keys it never read (the
   * attr reader's record: @exp/solver's recordAttrReads). Without it, that check is skipped.
   */
  unread?(attrs: Readonly<Record<string, string>>): readonly string[];
}

/** One defect the walk found. */
export interface AttrWalkFinding {
  readonly key: string;
  readonly problem: string;
}
