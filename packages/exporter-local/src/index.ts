import type { Exporter } from "@exp/solver";
import { localExporter } from "./local/local-exporter.js";
import { tarExporter } from "./tar/tar-exporter.js";

export { createLocalExporter, localExporter, type LocalExporterOptions } from "./local/local-exporter.js";
export { createTarExporter, tarExporter, type TarExporterOptions } from "./tar/tar-exporter.js";
export { BadHardLinkError, InvalidDestError, LayerReadError, LocalConflictError, MountInsideError, UnsafePathError } from "./errors.js";
export { platformDirName } from "./rootfs/platform-dir.js";
export { localExporterKeys, tarExporterKeys } from "./options.js";

/** Every output type of this package; the CLI picks the one whose `type` was asked for. */
export const exporters: readonly Exporter[] = [localExporter, tarExporter];

/** The package's default exporter, for loaders that take one `exporter` per package. */
export const exporter: Exporter = localExporter;
