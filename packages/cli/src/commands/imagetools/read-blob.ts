import { ExpError } from "@exp/errors";
import type { Descriptor, RegistryApi, RepositoryRef } from "@exp/oci-spec";

/** The most a config or an attestation blob may hold before exp refuses to read it into memory. */
export const maxDocumentBytes = 64 * 1024 * 1024;

/**
 * A small blob (a config, an in-toto statement) read whole; the client's stream checks it against
 * the descriptor's digest and size as it flows.
 */
export async function readBlob(client: RegistryApi, repo: RepositoryRef, descriptor: Pick<Descriptor, "digest" | "size">, signal: AbortSignal | undefined): Promise<Buffer> {
  if (descriptor.size > maxDocumentBytes) {
    throw new ExpError("ERR_TOO_LARGE", `blob ${descriptor.digest} of ${repo.registry}/${repo.repository} is ${descriptor.size} bytes; exp reads at most ${maxDocumentBytes} bytes for a config or an attestation`);
  }
  const stream = await client.getBlob(repo, descriptor, signal ? { signal } : {});
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON.parse with an error that names what was being read. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (error) {
    throw new ExpError("ERR_IMAGETOOLS_DOCUMENT", `${what} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { fault: "server", cause: error });
  }
}
