import { parseReference } from "@exp/oci-spec";
import { shortImageId } from "./image-details.js";
import { AmbiguousImageError, ImageNotFoundError } from "./image-errors.js";
import type { StoredImage } from "./stored-images.js";

const imageIdPattern = /^(?:sha256:)?([0-9a-f]{1,64})$/;

/**
 * The image names `exp image rm` removes for `args`, as `docker image rm` reads them: a name as
 * docker normalizes it (`app` is `docker.io/library/app:latest`), a name exactly as stored (a
 * dangling-name-prefix one), or an image ID or unique prefix of one (or of the manifest digest),
 * which removes the image's only name, or every name with `force`. Every argument is resolved
 * before anything is removed, so one unknown name removes nothing.
 */
export function resolveImages(root: string, images: readonly StoredImage[], args: readonly string[], force: boolean): StoredImage[] {
  const chosen = new Map<string, StoredImage>();
  const problems: Array<{ arg: string; reason?: string }> = [];
  for (const arg of args) {
    const byName = matchName(images, arg);
    if (byName.found) {
      chosen.set(byName.found.rootName, byName.found);
      continue;
    }
    const byId = matchId(images, arg, force);
    if (byId.length > 0) {
      for (const image of byId) chosen.set(image.rootName, image);
      continue;
    }
    problems.push({ arg, ...(byName.invalid ? { reason: byName.invalid } : {}) });
  }
  if (problems.length > 0) throw new ImageNotFoundError(root, problems, [...new Set(images.map((i) => i.display))].sort());
  return [...chosen.values()];
}

function matchName(images: readonly StoredImage[], arg: string): { found?: StoredImage; invalid?: string } {
  const exact = images.find((image) => image.name === arg);
  if (exact) return { found: exact };
  let full: string;
  try {
    full = parseReference(arg).toString();
  } catch (error) {
    return { invalid: error instanceof Error ? error.message : String(error) };
  }
  const found = images.find((image) => image.name === full);
  return found ? { found } : {};
}

function matchId(images: readonly StoredImage[], arg: string, force: boolean): StoredImage[] {
  const hex = imageIdPattern.exec(arg)?.[1];
  if (hex === undefined) return [];
  const hexOf = (digest: string) => digest.slice(digest.indexOf(":") + 1);
  const matches = images.filter((image) => hexOf(image.id).startsWith(hex) || hexOf(image.descriptor.digest).startsWith(hex));
  const ids = [...new Set(matches.map((image) => image.id))];
  if (ids.length > 1) throw new AmbiguousImageError(arg, `matches ${ids.length} images (${ids.map(shortImageId).join(", ")}); give more of the ID`);
  if (matches.length > 1 && !force) {
    throw new AmbiguousImageError(arg, `is the image ${shortImageId(ids[0]!)}, kept under ${matches.length} names (${matches.map((i) => i.display).join(", ")}); remove them by name, or pass -f to remove every name`);
  }
  return matches;
}
