import type { CliIO } from "../../io.js";
import { ago, formatBytes, table } from "../../util/format.js";
import { openStoreForReading } from "../store/open-store.js";
import type { OutputFormat, StoreOptions } from "../store/store-options.js";
import { shortImageId } from "./image-details.js";
import { listSizedImages, type SizedImage } from "./stored-images.js";

export interface ImageLsOptions extends StoreOptions {
  format: OutputFormat;
  quiet?: boolean;
}

/**
 * `exp image ls` (`exp images`): the images kept in the store, one row per name, newest first, as
 * `docker image ls` shows them. Opens the store read-only.
 */
export async function runImageLs(io: CliIO, options: ImageLsOptions): Promise<number> {
  const store = await openStoreForReading(io, options);
  const images = store ? await listSizedImages(store, io.signal) : [];
  if (options.quiet) {
    io.stdout.write(images.map((image) => `${shortImageId(image.id)}\n`).join(""));
    return 0;
  }
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(images.map(imageJson), null, 2)}\n`);
    return 0;
  }
  const now = Date.now();
  io.stdout.write(
    table(
      ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
      images.map((image) => [image.repository, image.tag, shortImageId(image.id), image.created ? ago(image.created, now) : "N/A", formatBytes(image.size)]),
    ),
  );
  return 0;
}

function imageJson(image: SizedImage): Record<string, unknown> {
  return {
    name: image.name,
    repository: image.repository,
    tag: image.tag,
    id: image.id,
    digest: image.descriptor.digest,
    mediaType: image.descriptor.mediaType,
    ...(image.created ? { created: image.created.toISOString() } : {}),
    platforms: image.platforms,
    size: image.size,
    uniqueSize: image.uniqueSize,
  };
}
