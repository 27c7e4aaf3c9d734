import { InvalidOptionError } from "@exp/errors";
import { parseReference, type Digest, type ImageReference } from "@exp/oci-spec";

/** `name-canonical`, `dangling-name-prefix` and `dangling-name-empty-only`, as parsed. */
export interface NamingOptions {
  nameCanonical: boolean;
  danglingPrefix?: string;
  danglingEmptyOnly: boolean;
}

/** What the exporter does with names once the image's digest is known. */
export interface TargetNames {
  /** Every name the image gets: reported as `image.name`, stored (store=true) and pushed (push=true). */
  readonly targets: readonly ImageReference[];
  /** The names kept in the store: the targets, plus `<name>@<digest>` for each with name-canonical. */
  readonly storeNames: readonly ImageReference[];
}

/**
 * Checks `dangling-name-prefix` when the output is resolved: `<prefix>@<digest>` must be a valid
 * reference, so a bad prefix fails before the build rather than after it.
 */
export function checkDanglingPrefix(component: string, prefix: string): void {
  try {
    parseReference(`${prefix}@sha256:${"0".repeat(64)}`);
  } catch (error) {
    throw new InvalidOptionError(component, "dangling-name-prefix", prefix, `a repository name such as registry.example/team/app (the image is named <prefix>@<digest>): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The names of an exported image, as BuildKit's image exporter computes them
 * (exporter/containerimage/export.go, Export):
 *
 * - With `dangling-name-prefix`, `<prefix>@<digest>` is one more name, unless
 *   `dangling-name-empty-only=true` and the image has other names. It is a name like any other:
 *   in `image.name`, stored with store=true, and pushed (by digest) with push=true.
 * - `name-canonical` adds, in the store only, `<name>@<digest>` for each name without a digest
 *   (the name as written, tag kept: `app:1@sha256:…`); it is off when the only name is the dangling
 *   one. BuildKit never pushes it: pushing a name's tag puts the manifest in that repository, where
 *   `<name>@<digest>` then resolves anyway.
 */
export function targetNames(names: readonly ImageReference[], digest: Digest, options: NamingOptions): TargetNames {
  const danglingWanted = options.danglingPrefix !== undefined && options.danglingPrefix !== "" && (!options.danglingEmptyOnly || names.length === 0);
  const dangling = danglingWanted ? parseReference(`${options.danglingPrefix}@${digest}`) : undefined;
  const canonical = options.nameCanonical && names.length > 0;
  const targets = dangling === undefined ? [...names] : [...names, dangling];
  const storeNames = [...targets];
  if (canonical) for (const name of targets) if (name.digest === undefined) storeNames.push(name.withDigest(digest));
  return { targets, storeNames };
}
