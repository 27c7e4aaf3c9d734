import { describe, expect, it } from "vitest";
import { mergeScopes, scopeFor } from "./scope.js";

describe("scopeFor", () => {
  it("formats a repository scope with sorted, unique actions", () => {
    expect(scopeFor("a/b", ["pull", "push"])).toBe("repository:a/b:pull,push");
    expect(scopeFor("a/b", ["push", "pull", "push"])).toBe("repository:a/b:pull,push");
    expect(scopeFor("library/alpine", ["pull"])).toBe("repository:library/alpine:pull");
    expect(scopeFor("x", ["delete", "push", "pull"])).toBe("repository:x:delete,pull,push");
  });
});

describe("mergeScopes", () => {
  it("unions the actions of the same resource", () => {
    expect(mergeScopes(["repository:a:pull", "repository:a:push", "repository:b:pull"])).toEqual([
      "repository:a:pull,push",
      "repository:b:pull",
    ]);
  });

  it("splits space-separated lists, as in a challenge's scope param", () => {
    expect(mergeScopes("repository:b:pull repository:a:push", ["repository:a:pull"], undefined)).toEqual([
      "repository:a:pull,push",
      "repository:b:pull",
    ]);
  });

  it("is independent of order, so it can key a cache", () => {
    const one = mergeScopes(["repository:x:push,pull", "registry:catalog:*"]);
    const two = mergeScopes(["registry:catalog:*", "repository:x:pull", "repository:x:push"]);
    expect(one).toEqual(two);
  });

  it("keeps resource types with a class and names with colons intact", () => {
    expect(mergeScopes(["repository(plugin):a/b:pull", "repository:host:5000/x:pull"])).toEqual([
      "repository(plugin):a/b:pull",
      "repository:host:5000/x:pull",
    ]);
  });

  it("keeps opaque scopes and drops empty ones", () => {
    expect(mergeScopes(["", "  ", "openid"])).toEqual(["openid"]);
  });
});
