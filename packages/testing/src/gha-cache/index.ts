export { startGhaCache } from "./server.js";
export type { GhaCacheEntryInfo, GhaCacheRequest, GhaCacheScope, StartGhaCacheOptions, TestGhaCache } from "./types.js";
