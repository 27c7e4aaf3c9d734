import { resolve } from "node:path";
import { defaultStoreRoot, type CliIO } from "../../io.js";

/** `--root`, shared by every command that works on the content store. */
export interface StoreOptions {
  root?: string;
}

export type OutputFormat = "table" | "json";

/** The store directory: `--root` (relative to the working directory), else the default. */
export function storeRoot(io: CliIO, options: StoreOptions): string {
  return resolve(io.cwd, options.root ?? defaultStoreRoot(io.env));
}

/**
 * Whether the user named the store (`--root` or `$EXP_ROOT`) rather than relying on the default
 * location. A named store that is not there is a mistake worth an error; the default one not
 * existing yet only means nothing was built on this machine.
 */
export function rootIsNamed(io: CliIO, options: StoreOptions): boolean {
  return options.root !== undefined || Boolean(io.env.EXP_ROOT);
}
