// The reference grammar of docker's distribution/reference, written as anchored patterns.
// Kept apart from the parser so each rule can be read against the grammar it implements.

// A path component: lowercase alphanumerics joined by one separator (".", "_", "__" or dashes).
export const pathComponentPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

// A registry host: DNS name or IPv4 (the same rule covers both), or a bracketed IPv6 address,
// each with an optional numeric port. Uppercase is allowed here, as in distribution.
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = "\\[[a-fA-F0-9:]+\\]";
export const registryPattern = new RegExp(`^(?:${domainName}|${ipv6})(?::[0-9]+)?$`);

export const tagPattern = /^\w[\w.-]{0,127}$/;

// A bare 64-hex string looks like an image ID; docker refuses it as a name so that an ID typed
// where a name was expected is not silently pulled as "docker.io/library/<hex>".
export const imageIdPattern = /^[a-f0-9]{64}$/;

/** distribution's NameTotalLengthMax: the limit for "registry/repository". */
export const maxNameLength = 255;

/** Whether the first path component names a registry rather than a repository namespace. */
export function looksLikeRegistry(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost";
}
