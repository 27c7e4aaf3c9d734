import { rename } from "node:fs/promises";
import { InvalidDestError } from "../errors.js";

/**
 * Puts a finished new destination in place: one rename within the destination's parent, so it
 * appears whole or not at all. Only for a destination that did not exist; an existing one is
 * written in place and never moved.
 */
export async function moveIntoPlace(built: string, dest: string): Promise<void> {
  await rename(built, dest).catch((error: unknown) => {
    throw new InvalidDestError(dest, "appeared while the export was running; run the export again to write into it", error);
  });
}
