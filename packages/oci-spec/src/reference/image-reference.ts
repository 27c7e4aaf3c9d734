import { parseDigest, type Digest } from "../digest.js";
import { tagPattern } from "./grammar.js";
import { InvalidReferenceError } from "./invalid-reference-error.js";
import { DOCKER_HUB } from "./registry-host.js";

/** A parsed, normalized image reference. Immutable: `withTag`/`withDigest` return new ones. */
export interface ImageReference {
  /** "docker.io", "ghcr.io", "localhost:5000", "127.0.0.1:5000", "[::1]:5000". */
  readonly registry: string;
  /** The path inside the registry, e.g. "library/alpine". */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
  /** "registry/repository", without tag or digest. */
  readonly name: string;
  /** Fully qualified: "docker.io/library/alpine:latest", or with "@sha256:…". */
  toString(): string;
  /** Short form as docker prints it: "alpine:latest", "user/app:1", "ghcr.io/o/a:1". */
  familiar(): string;
  /** Same name, another tag; a digest is kept, as docker's reference.WithTag does. */
  withTag(tag: string): ImageReference;
  /** Same name, another digest; a tag is kept. */
  withDigest(digest: string): ImageReference;
  toJSON(): string;
}

class Reference implements ImageReference {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;

  constructor(registry: string, repository: string, tag: string | undefined, digest: Digest | undefined) {
    this.registry = registry;
    this.repository = repository;
    if (tag !== undefined) this.tag = tag;
    if (digest !== undefined) this.digest = digest;
    Object.freeze(this);
  }

  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  toString(): string {
    return this.name + this.suffix();
  }

  familiar(): string {
    return familiarName(this.registry, this.repository) + this.suffix();
  }

  withTag(tag: string): ImageReference {
    checkTag(tag, this.toString());
    return new Reference(this.registry, this.repository, tag, this.digest);
  }

  withDigest(digest: string): ImageReference {
    return new Reference(this.registry, this.repository, this.tag, checkDigest(digest, this.toString()));
  }

  toJSON(): string {
    return this.toString();
  }

  private suffix(): string {
    return (this.tag === undefined ? "" : `:${this.tag}`) + (this.digest === undefined ? "" : `@${this.digest}`);
  }
}

/** Builds a reference from parts that the parser has already checked. */
export function createReference(registry: string, repository: string, tag?: string, digest?: Digest): ImageReference {
  return new Reference(registry, repository, tag, digest);
}

// docker's FamiliarName: Docker Hub is implied, and so is "library/" for official images.
function familiarName(registry: string, repository: string): string {
  if (registry !== DOCKER_HUB) return `${registry}/${repository}`;
  const rest = repository.startsWith("library/") ? repository.slice("library/".length) : undefined;
  return rest !== undefined && !rest.includes("/") ? rest : repository;
}

export function checkTag(tag: string, input: string): void {
  if (!tagPattern.test(tag)) {
    throw new InvalidReferenceError(
      input,
      `invalid tag ${JSON.stringify(tag)}: a tag is 1 to 128 characters of letters, digits, "_", "." and "-", not starting with "." or "-"`,
    );
  }
}

export function checkDigest(digest: string, input: string): Digest {
  try {
    parseDigest(digest);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new InvalidReferenceError(input, `invalid digest (${detail})`, { cause: error });
  }
  return digest as Digest;
}
