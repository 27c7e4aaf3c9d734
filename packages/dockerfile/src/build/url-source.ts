import { http, type FsNode } from "@exp/solver";
import type { Digest } from "@exp/oci-spec";
import type { CopySource, CopyStep } from "../plan/types.js";

/**
 * The solver's http node for `ADD <url>`: the downloaded file, under the name BuildKit gives it, with the `--checksum` to verify. Its progress line is the ADD's
 * own text, as BuildKit names the http source after the instruction (convert_copy.go pgName).
 */
export function urlSourceNode(from: Extract<CopySource, { kind: "url" }>, step: CopyStep): FsNode {
  return http(from.url, {
    filename: from.filename,
    ...(from.checksum ? { checksum: from.checksum as Digest } : {}),
    description: step.createdBy.replace(/ # buildkit$/, ""),
  });
}
