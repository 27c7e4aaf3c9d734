import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of a fixture, for tools that read files (oci-image-tool). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

/** The fixture's exact bytes: digests in other fixtures are computed over them. */
export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(fixturePath(name));
}

export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixturePath(name), "utf8")) as Record<string, unknown>;
}
