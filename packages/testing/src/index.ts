export { startRegistry, type StartRegistryOptions, type TestRegistry, type RegistryAuth } from "./registry.js";
export { startTokenIssuer, type TokenIssuer, type TokenIssuerOptions, type TokenRequestRecord } from "./token-issuer.js";
export { startFaultProxy, type FaultProxy, type FaultProxyOptions, type FaultProxyStats, type FaultLogEntry } from "./fault-proxy.js";
export type { Fault, FaultRule, FaultType } from "./fault-rules.js";
export { findOnPath, requireTools, toolsAvailable, skipUnlessTools, registryAvailable, swiftAvailable, aptPackageFor, SWIFT_TOOLS } from "./tools.js";
export { startS3, type StartS3Options, type TestS3, type S3ProcessName } from "./s3.js";
export { startAzurite, azuriteAvailable, AZURITE_VERSION, AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY, AZURITE_INSTALL_HINT, type StartAzuriteOptions, type TestAzurite } from "./azurite.js";
export { startManagedIdentity, type TestManagedIdentity } from "./managed-identity.js";
export { startGhaCache, type StartGhaCacheOptions, type TestGhaCache, type GhaCacheScope, type GhaCacheEntryInfo, type GhaCacheRequest } from "./gha-cache/index.js";
export { startVerdaccio, VERDACCIO_VERSION, type StartVerdaccioOptions, type TestVerdaccio } from "./verdaccio.js";
export { signedRequest, type S3Target, type S3RequestOptions, type S3Response, type S3Query } from "./s3-request.js";
export { signV4, encodeS3Path, uriEncode, amzDate, EMPTY_SHA256, type SigV4Input, type SigV4Result } from "./sigv4.js";
export type { SwiftLogLevel } from "./swift-config.js";
export { clearSkopeoBlobCache, skopeoBlobCachePaths } from "./skopeo-cache.js";
export { tempDir, type TempDir } from "./temp-dir.js";
export { httpRequest, type HttpRequestOptions, type HttpResponse } from "./http-request.js";
export { isLoopbackHost } from "./loopback.js";
export { inCI, skipUnless, skipUnlessRoot } from "./prerequisites.js";
export { AzuriteStartError, ConformanceError, MissingPrerequisiteError, MissingToolsError, NonLoopbackTargetError, RegistryStartError, S3StartError, TestCacheLockError, ToolFailedError, VerdaccioStartError } from "./errors.js";
export * from "./conformance/index.js";
export * from "./attr-walk/index.js";
export { Link, type LinkOptions } from "./link.js";
export { runTool, type RunToolOptions } from "./run-tool.js";
export {
  testCacheDir,
  makeOnce,
  debianBaseRootfs,
  debianBaseImage,
  serveDebianBase,
  buildahBuild,
  buildahPull,
  buildahStorageArgs,
  createBuildahStorage,
  umociUnpack,
  umociUnpackOnBase,
  readLayoutImage,
  splitLayoutRef,
  snapshotTree,
  diffTrees,
  formatDifferences,
  describeEntry,
  readXattrs,
  parseGetfattr,
  DEBIAN_SUITE,
  DEBIAN_BASE_TAG,
  type MakeOnceOptions,
  type DebianBaseImage,
  type BuildahBuildOptions,
  type BuildahBuildResult,
  type BuildahStorage,
  type SnapshotOptions,
  type UnpackedImage,
  type LayoutImage,
  type OciDescriptor,
  type OciManifest,
  type TreeDifference,
  type TreeEntry,
  type TreeEntryType,
  type TreeSnapshot,
} from "./debian-base/index.js";
export { findFreePort } from "./free-port.js";
export { seededRandom } from "./prng.js";
