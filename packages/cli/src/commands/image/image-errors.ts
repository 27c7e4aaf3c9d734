import { ExpError } from "@exp/errors";

const shownNames = 10;

/** `exp image rm` of names the store does not keep. Lists what it does keep. */
export class ImageNotFoundError extends ExpError {
  readonly names: readonly string[];
  constructor(root: string, problems: ReadonlyArray<{ arg: string; reason?: string }>, existing: readonly string[]) {
    const named = problems.map((p) => `${JSON.stringify(p.arg)}${p.reason ? ` (${p.reason})` : ""}`).join(", ");
    const more = existing.length > shownNames ? `, and ${existing.length - shownNames} more` : "";
    const has = existing.length === 0 ? "the store has no images" : `the store has ${existing.slice(0, shownNames).join(", ")}${more}; see exp image ls`;
    super("ERR_IMAGE_NOT_FOUND", `no such image in the store at ${root}: ${named}; ${has}. Nothing was removed`);
    this.names = problems.map((p) => p.arg);
  }
}

/** An image ID (or prefix) that names several images, or one image under several names without -f. */
export class AmbiguousImageError extends ExpError {
  constructor(arg: string, detail: string) {
    super("ERR_IMAGE_AMBIGUOUS", `${JSON.stringify(arg)} ${detail}. Nothing was removed`);
  }
}

/** A name a build set to another image while `exp image rm` was removing it: the new one is kept. */
export class ImageChangedError extends ExpError {
  constructor(names: readonly string[]) {
    super("ERR_IMAGE_CHANGED", `kept ${names.join(", ")}: a build set ${names.length === 1 ? "it" : "them"} to another image while they were being removed; run exp image rm again to remove the new image`);
  }
}
