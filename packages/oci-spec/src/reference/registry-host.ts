/** The canonical name of Docker Hub in references, as docker's distribution/reference writes it. */
export const DOCKER_HUB = "docker.io";

// Names people and old configs use for Docker Hub. They all mean the same registry, so they must
// compare equal (and share credentials) once normalized: ggcr#1617 is the confusion this avoids.
const dockerHubAliases = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** Maps Docker Hub's aliases to "docker.io"; every other host is returned unchanged. */
export function normalizeRegistry(registry: string): string {
  return dockerHubAliases.has(registry.toLowerCase()) ? DOCKER_HUB : registry;
}

/** True when the host is Docker Hub under any of its names. */
export function isDockerHub(registry: string): boolean {
  return normalizeRegistry(registry) === DOCKER_HUB;
}

/**
 * The host that serves the /v2/ API for a registry. Docker Hub is named docker.io in references,
 * but docker.io itself only redirects: the API lives on registry-1.docker.io.
 */
export function registryApiHost(registry: string): string {
  return isDockerHub(registry) ? "registry-1.docker.io" : registry;
}
