import { createHash } from "node:crypto";
import type { Digest } from "@exp/oci-spec";
import type { Layer } from "./layer.js";

/** A build result for one platform: an ordered chain of layers, base first. Immutable. */
export interface Ref {
  /** The OCI ChainID of the whole chain: equal chains have equal ids on any machine. */
  readonly id: Digest;
  readonly layers: readonly Layer[];
}

/** ChainID per the OCI image spec: chain(L0) = diffID0; chain(Ln) = sha256(chain(Ln-1) + " " + diffIDn). */
export function chainID(layers: readonly Pick<Layer, "diffID">[]): Digest {
  let chain: string | undefined;
  for (const layer of layers) {
    chain = chain === undefined ? layer.diffID : `sha256:${createHash("sha256").update(`${chain} ${layer.diffID}`).digest("hex")}`;
  }
  // The empty chain (a scratch image) gets the digest of nothing, so it is still a valid id.
  return (chain ?? `sha256:${createHash("sha256").digest("hex")}`) as Digest;
}

export function createRef(layers: readonly Layer[]): Ref {
  return { id: chainID(layers), layers: [...layers] };
}
