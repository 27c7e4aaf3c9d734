import type { RepositoryRef } from "@exp/oci-spec";
import { scopeFor, type RepositoryAction } from "./auth/scope.js";

export type { RepositoryRef };

export type Action = RepositoryAction;

/** The token scope for actions on a repository (distribution token spec). */
export function repositoryScope(repo: RepositoryRef, actions: readonly Action[]): string {
  return scopeFor(repo.repository, actions);
}

export function repositoryPath(repo: RepositoryRef): string {
  return `/v2/${repo.repository}`;
}
