import { ExpError } from "@exp/errors";

export class MissingRegistryClientError extends ExpError {
  constructor(ref: string) {
    super("ERR_REGISTRY_REQUIRED", `the base image ${ref} is in a registry, but the build was given no registry client`);
  }
}
