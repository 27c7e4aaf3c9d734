import { ExpError } from "@exp/errors";
import type { FsNode } from "./nodes.js";

export class MissingRegistryClientError extends ExpError {
  constructor(ref: string) {
    super("ERR_REGISTRY_REQUIRED", `the base image ${ref} is in a registry, but the build was given no registry client`);
  }
}

const failedNodes = new WeakMap<object, FsNode>();

/**
 * The build-graph node whose step an error came from (the innermost one), so a front end can say
 * where in its source the step is (`Dockerfile:7:1: COPY source "x" not found`).
 */
export function failedNodeOf(error: unknown): FsNode | undefined {
  return typeof error === "object" && error !== null ? failedNodes.get(error) : undefined;
}

/** Records the node an error was thrown for, unless a node it depends on already claimed it. */
export function markFailedNode(error: unknown, node: FsNode): void {
  if (typeof error === "object" && error !== null && !failedNodes.has(error)) failedNodes.set(error, node);
}
