/** An action on a repository, as the distribution token spec names them. */
export type RepositoryAction = "pull" | "push" | "delete";

/** "repository:<name>:<actions>", the scope a token must carry to act on one repository. */
export function scopeFor(repository: string, actions: readonly RepositoryAction[]): string {
  return `repository:${repository}:${[...new Set(actions)].sort().join(",")}`;
}

/**
 * Merges scopes (strings, or space-separated lists as found in a challenge's `scope` param) into
 * one scope per resource with the union of its actions, sorted. Sorting makes the result usable
 * as a cache key: the same set of rights always gives the same list.
 */
export function mergeScopes(...groups: ReadonlyArray<string | readonly string[] | undefined>): string[] {
  const byResource = new Map<string, Set<string>>();
  const opaque = new Set<string>();
  for (const group of groups) {
    if (group === undefined) continue;
    for (const item of typeof group === "string" ? [group] : group) {
      for (const scope of item.split(/\s+/)) {
        if (scope === "") continue;
        // type:name:actions — the name is everything between the first and the last colon.
        const first = scope.indexOf(":");
        const last = scope.lastIndexOf(":");
        if (first === -1 || last === first) {
          opaque.add(scope);
          continue;
        }
        const resource = scope.slice(0, last);
        const actions = byResource.get(resource) ?? new Set<string>();
        for (const action of scope.slice(last + 1).split(",")) if (action !== "") actions.add(action);
        byResource.set(resource, actions);
      }
    }
  }
  const merged = [...byResource].map(([resource, actions]) => `${resource}:${[...actions].sort().join(",")}`);
  return [...merged, ...opaque].sort();
}
