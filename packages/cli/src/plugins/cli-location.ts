import { fileURLToPath } from "node:url";

/** This file's path: where exp itself is installed (tsup's shims give `import.meta.url` to the CJS build too). */
export const cliModulePath: string = fileURLToPath(import.meta.url);
