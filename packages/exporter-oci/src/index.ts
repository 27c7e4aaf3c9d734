export { createOciExporter, ociExporter, dockerExporter, exporters, exporter, type OciExporterOptions } from "./oci-exporter.js";
export { writeArchive, type ArchiveFile } from "./write-archive.js";
export { writeLayout } from "./write-layout.js";
export { imageBlobs, indexEntries, indexJson, dockerManifestJson, blobPath } from "./layout-files.js";
