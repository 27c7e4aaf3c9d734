import { expect } from "vitest";
import type { AttrCase } from "@exp/testing";
import type { Tree } from "./tree.js";

/** The build's SOURCE_DATE_EPOCH in the fixture. */
export const BUILD_EPOCH = 1_700_000_000;
/** A file put in the destination before each export, for mode=delete. */
export const STALE = "stale.txt";

type Row = AttrCase<Tree>;
const paths = (tree: Tree) => [...tree.keys()].sort();

const platformSplit: Row = {
  key: "platform-split",
  with: { "platform-split": "true" },
  // exporter/local/export.go: with platform-split, each platform's files go under <os>_<arch>/.
  expect: "a single platform's files under linux_amd64/",
  differs: (without, withIt) => {
    const own = paths(without).filter((p) => p !== STALE);
    expect(paths(withIt).filter((p) => p !== STALE && p !== "linux_amd64")).toEqual(own.map((p) => `linux_amd64/${p}`).sort());
  },
};

const attestationPrefix: Row = {
  key: "attestation-prefix",
  with: { "attestation-prefix": "attest-" },
  variant: "attested",
  // exporter/local/fs.go: each statement is written as <prefix><base name of its path>; the
  // inline-only provenance of the variant is not written at all.
  expect: "the SBOM statement written as attest-sbom.spdx.json instead of sbom.spdx.json",
  differs: (without, withIt) => {
    expect(paths(without)).toContain("sbom.spdx.json");
    expect(paths(withIt)).not.toContain("sbom.spdx.json");
    expect(paths(withIt)).toContain("attest-sbom.spdx.json");
    expect(paths(withIt).some((p) => p.includes("provenance"))).toBe(false);
  },
};

const sourceDateEpoch: Row = {
  key: "source-date-epoch",
  with: { "source-date-epoch": "1600000000" },
  // exporter/local/fs.go: with an epoch, every entry's ModTime is set to it (not clamped).
  expect: "every exported entry's mtime is 1600000000",
  differs: (without, withIt) => {
    const exported = (tree: Tree) => [...tree].filter(([p]) => p !== STALE);
    expect(exported(without).every(([, e]) => e.mtime === BUILD_EPOCH || e.type === "symlink")).toBe(true);
    for (const [path, entry] of exported(withIt)) if (entry.type !== "symlink") expect(entry.mtime, path).toBe(1_600_000_000);
    expect(paths(withIt)).toEqual(paths(without));
  },
};

export const localRows: readonly Row[] = [
  platformSplit,
  {
    key: "mode",
    with: { mode: "delete" },
    // exporter/local/export.go: LocalExporterModeDelete removes what the export does not write.
    expect: `${STALE}, which the image does not hold, removed from the destination; the rest the same`,
    differs: (without, withIt) => {
      expect(without.has(STALE)).toBe(true);
      expect(withIt.has(STALE)).toBe(false);
      expect(paths(withIt)).toEqual(paths(without).filter((p) => p !== STALE));
    },
  },
  sourceDateEpoch,
  attestationPrefix,
];

export const tarRows: readonly Row[] = [platformSplit, sourceDateEpoch, attestationPrefix];
