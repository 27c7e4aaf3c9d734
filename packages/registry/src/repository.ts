import { scopeFor, type RepositoryAction } from "./auth/scope.js";

/** Where blobs and manifests live: a registry host and a repository in it. An ImageReference is one. */
export interface RepositoryRef {
  /** "host[:port]"; docker.io is reached at registry-1.docker.io by the client. */
  readonly registry: string;
  /** "library/alpine" */
  readonly repository: string;
}

export type Action = RepositoryAction;

/** The token scope for actions on a repository (distribution token spec). */
export function repositoryScope(repo: RepositoryRef, actions: readonly Action[]): string {
  return scopeFor(repo.repository, actions);
}

export function repositoryPath(repo: RepositoryRef): string {
  return `/v2/${repo.repository}`;
}
