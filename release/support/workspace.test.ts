import { describe, expect, it } from "vitest";
import { bumpVersion, releasePlan, satisfies, type Manifest, type WorkspacePackage } from "./workspace.js";

const pkg = (name: string, version: string, fields: Partial<Manifest> = {}): WorkspacePackage => ({ dir: `packages/${name}`, manifest: { name, version, ...fields } });

describe("satisfies (the ranges workspace specs become)", () => {
  it("reads ^ on 0.y and x.y, ~ and exact versions as semver does", () => {
    expect(satisfies("0.1.4", "^0.1.3")).toBe(true);
    expect(satisfies("0.2.0", "^0.1.3")).toBe(false);
    expect(satisfies("0.1.2", "^0.1.3")).toBe(false);
    expect(satisfies("1.9.0", "^1.2.3")).toBe(true);
    expect(satisfies("2.0.0", "^1.2.3")).toBe(false);
    expect(satisfies("0.0.4", "^0.0.3")).toBe(false);
    expect(satisfies("1.2.9", "~1.2.3")).toBe(true);
    expect(satisfies("1.3.0", "~1.2.3")).toBe(false);
    expect(satisfies("1.2.3", "1.2.3")).toBe(true);
    expect(satisfies("1.2.4", "1.2.3")).toBe(false);
  });
});

describe("releasePlan (changesets' determineDependents)", () => {
  const workspace = [
    pkg("a", "0.1.0"),
    pkg("caret", "0.3.0", { dependencies: { a: "workspace:^" } }),
    pkg("star", "0.3.0", { dependencies: { a: "workspace:*" } }),
    pkg("dev", "0.3.0", { devDependencies: { a: "workspace:*" } }),
    pkg("peer", "1.0.0", { peerDependencies: { a: "workspace:^" } }),
    pkg("top", "0.5.0", { dependencies: { star: "workspace:^", caret: "workspace:^" } }),
    pkg("ignored", "0.0.0", { dependencies: { a: "workspace:*" } }),
  ];
  const skip = (name: string) => name === "ignored";

  it("a patch leaves only exact (workspace:*) ranges, and the dependents' own patches stay in theirs", () => {
    expect(Object.fromEntries(releasePlan(workspace, "a", "patch", skip))).toEqual({ a: "patch", star: "patch" });
  });

  it("a minor of a 0.y version leaves ^ ranges too, and peer dependents take a major", () => {
    expect(Object.fromEntries(releasePlan(workspace, "a", "minor", skip))).toEqual({ a: "minor", caret: "patch", star: "patch", peer: "major" });
  });

  it("bumps versions", () => {
    expect([bumpVersion("0.1.9", "patch"), bumpVersion("0.1.9", "minor"), bumpVersion("0.1.9", "major")]).toEqual(["0.1.10", "0.2.0", "1.0.0"]);
  });
});
