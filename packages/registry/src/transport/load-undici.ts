import type * as Undici from "undici";

let loading: Promise<typeof Undici> | undefined;

/**
 * undici, imported on first use. Loading its CommonJS graph costs about 100 ms of start-up (a
 * third of `exp build`'s own start), which a build that never reaches a registry or a URL (a
 * local context to an OCI archive) should not pay.
 */
export function loadUndici(): Promise<typeof Undici> {
  return (loading ??= import("undici"));
}
