/**
 * Which package serves each output and cache type: `npm i @exp/all` installs every one of them
 * beside the `exp` command, which loads each by its package name when a build asks for its type.
 */
export { builtinCachePackages, builtinExporterPackages } from "@exp/cli";
