import * as v from "valibot";
import { ImageIndexSchema } from "./image-index.js";
import { openObject } from "./object-schemas.js";

// OCI image layout (image-spec `image-layout.md`): a directory with `oci-layout`, `index.json`
// and `blobs/<alg>/<hex>`, as written by `docker buildx --output type=oci` and read by skopeo.

/** Name of the marker file at the root of a layout. */
export const IMAGE_LAYOUT_FILE = "oci-layout";
/** Name of the layout's entry point, an image index. */
export const IMAGE_LAYOUT_INDEX_FILE = "index.json";
/** Directory that holds blobs, by algorithm then encoded digest. */
export const IMAGE_LAYOUT_BLOBS_DIR = "blobs";
/** The only layout version there has ever been. */
export const IMAGE_LAYOUT_VERSION = "1.0.0";

/** The `oci-layout` file. A different version means a layout we do not know how to read. */
export const ImageLayoutSchema = openObject({
  imageLayoutVersion: v.literal(IMAGE_LAYOUT_VERSION),
});
export type ImageLayout = v.InferOutput<typeof ImageLayoutSchema>;

/** `index.json` is an ordinary image index; the alias exists so callers say which file they mean. */
export const ImageLayoutIndexSchema = ImageIndexSchema;
