// Kept as the solver's names for them: exporters and the CLI import these from @exp/solver.
export { maxTarHeaderBytes, shortName, TarError, TarHeaderTooLargeError } from "@exp/tar";
