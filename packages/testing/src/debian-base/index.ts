export { testCacheDir } from "./cache-dir.js";
export { makeOnce, type MakeOnceOptions } from "./make-once.js";
export { debianBaseRootfs, DEBIAN_SUITE } from "./rootfs.js";
export { debianBaseImage, DEBIAN_BASE_TAG, type DebianBaseImage } from "./image.js";
export { serveDebianBase } from "./serve.js";
export {
  buildahBuild,
  buildahPull,
  buildahStorageArgs,
  createBuildahStorage,
  type BuildahBuildOptions,
  type BuildahBuildResult,
  type BuildahStorage,
} from "./buildah.js";
export { umociUnpack } from "./unpack.js";
export { snapshotTree, type SnapshotOptions } from "./snapshot.js";
export { diffTrees, formatDifferences, describeEntry } from "./diff.js";
export { readXattrs, parseGetfattr } from "./xattrs.js";
export type { TreeDifference, TreeEntry, TreeEntryType, TreeSnapshot } from "./tree.js";
export { umociUnpackOnBase, type UnpackedImage } from "./unpack-on-base.js";
export { readLayoutImage, splitLayoutRef, type LayoutImage, type OciDescriptor, type OciManifest } from "./oci-layout-read.js";
