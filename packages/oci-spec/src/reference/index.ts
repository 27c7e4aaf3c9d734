export { parseReference, type ParseReferenceOptions } from "./parse-reference.js";
export type { ImageReference } from "./image-reference.js";
export { InvalidReferenceError } from "./invalid-reference-error.js";
export { DOCKER_HUB, normalizeRegistry, isDockerHub, registryApiHost } from "./registry-host.js";
export type { RepositoryRef } from "./repository-ref.js";
export { imagePurl } from "./image-purl.js";
