import { attributeUsage, type ContentStore, type Holder } from "@exp/content";
import type { Descriptor } from "@exp/oci-spec";
import { rootKind } from "../store/holder-kinds.js";
import { readImageDetails, type ImageDetails } from "./image-details.js";
import { storedImageName, type StoredImageName } from "./stored-image-name.js";

/** One name under which the store keeps an image. */
export interface StoredImage extends StoredImageName, ImageDetails {
  descriptor: Descriptor;
}

export interface SizedImage extends StoredImage {
  /** Bytes of every blob the image reaches in the store: manifests, configs, layers. */
  size: number;
  /** Of those, the bytes nothing else holds (no other name, build record, cache record or build). */
  uniqueSize: number;
}

/** Every image name in the store, newest image first, then by name. */
export async function listStoredImages(store: ContentStore, signal?: AbortSignal): Promise<StoredImage[]> {
  const images: StoredImage[] = [];
  for (const { name, descriptor } of await store.roots.list(signal ? { signal } : {})) {
    if (rootKind(name) !== "image") continue;
    images.push({ ...storedImageName(name), descriptor, ...(await readImageDetails(store, descriptor, signal)) });
  }
  return images.sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0) || compare(a.display, b.display));
}

/** listStoredImages with each image's size, from one pass over what holds what. */
export async function listSizedImages(store: ContentStore, signal?: AbortSignal): Promise<SizedImage[]> {
  const images = await listStoredImages(store, signal);
  const attribution = attributeUsage(await store.usage(signal ? { signal } : {}), (holder: Holder) => (holder.kind === "root" ? holder.name : holder.kind));
  const byRoot = new Map(attribution.groups.map((g) => [g.key, g]));
  return images.map((image) => {
    const group = byRoot.get(image.rootName);
    return { ...image, size: group?.bytes ?? 0, uniqueSize: group?.uniqueBytes ?? 0 };
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
