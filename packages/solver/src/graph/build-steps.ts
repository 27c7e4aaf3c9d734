import type { Digest } from "@exp/oci-spec";
import type { FsNode, HttpNode } from "./nodes.js";

/** One node of a build graph, as provenance's `mode=max` records the build's steps. */
export interface BuildStep {
  /** `step0`, `step1`, ... in the order a depth-first walk from the result meets the nodes. */
  readonly id: string;
  readonly kind: FsNode["kind"];
  /** As progress names it (`[2/3] COPY app /app`, `FROM alpine`, `[internal] load build context`). */
  readonly name: string;
  /** The node's cache key; a build context has none of its own (its files are in its COPY's key). */
  readonly cacheKey?: Digest;
  /** The steps whose output this one reads: its base first, then what it copies from. */
  readonly inputs: readonly string[];
  /** The node, so a front end can add what it knows of it (the Dockerfile line). */
  readonly node: FsNode;
}

export interface BuildSteps {
  /** The step whose output is the result. */
  readonly result: string;
  readonly steps: readonly BuildStep[];
}

/**
 * A result's build graph as steps, each once, for provenance (exp's counterpart of the LLB
 * definition BuildKit records). `cacheKey` gives a solved node's key (the solver memoises every
 * solve, so nothing is built again) and an http node's.
 */
export async function collectSteps(root: FsNode, keys: { solved(node: FsNode): Promise<Digest>; http(node: HttpNode): Promise<Digest> }): Promise<BuildSteps> {
  const ids = new Map<FsNode, string>();
  const steps: BuildStep[] = [];
  const visit = async (node: FsNode): Promise<string> => {
    const known = ids.get(node);
    if (known) return known;
    // Numbered as met (pre-order), placed by that number: a step is known once its inputs are.
    const index = ids.size;
    const id = `step${index}`;
    ids.set(node, id);
    const inputs: string[] = [];
    if (node.kind === "copy" || node.kind === "mkdir") inputs.push(await visit(node.base));
    if (node.kind === "copy" && node.from) inputs.push(await visit(node.from));
    const cacheKey = node.kind === "local" ? undefined : node.kind === "http" ? await keys.http(node) : await keys.solved(node);
    steps[index] = { id, kind: node.kind, name: stepName(node), ...(cacheKey ? { cacheKey } : {}), inputs, node };
    return id;
  };
  const result = await visit(root);
  return { result, steps };
}

function stepName(node: FsNode): string {
  switch (node.kind) {
    case "scratch":
      return "scratch";
    case "image":
      return node.description ?? `FROM ${node.ref}`;
    case "local":
      return "[internal] load build context";
    case "http":
      return node.description ?? `GET ${node.url}`;
    case "copy":
    case "mkdir":
      return node.description;
  }
}
