/** Where blobs and manifests live: a registry host and a repository in it. An ImageReference is one. */
export interface RepositoryRef {
  /** "host[:port]"; docker.io is reached at registry-1.docker.io by the client. */
  readonly registry: string;
  /** "library/alpine" */
  readonly repository: string;
}
