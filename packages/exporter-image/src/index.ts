export { createImageExporter, imageExporter, registryExporter, exporters, exporter } from "./image-exporter.js";
export { PushByDigestError } from "./push-by-digest-error.js";
// The image writer is its own package (the oci exporter shares it without the push code);
// re-exported for the callers that know it from here.
export * from "@exp/image-writer";
export { pushImage, type PushImageOptions } from "./push/push-image.js";
export { storeRoots } from "./store-roots.js";
