// For this package's tests only (not exported from index.ts).
import type { TestAzurite } from "@exp/testing";
import { probe } from "../azblob-test-support.js";

/**
 * Every committed blob of the given containers, keyed `<name>/<blob name>`, and the names of the
 * containers that exist (an export creates its container before writing anything, so a refused
 * one leaves none). Uncommitted blocks are not listed: no reader sees them. Read straight from
 * Azurite with a client of its own, not the exporter's.
 */
export async function readContainers(azurite: TestAzurite, containers: Readonly<Record<string, string>>): Promise<{ files: Map<string, Buffer>; existing: string[] }> {
  const files = new Map<string, Buffer>();
  const existing: string[] = [];
  for (const [name, container] of Object.entries(containers)) {
    const client = probe(azurite, container);
    if (!(await client.exists())) continue;
    existing.push(name);
    for await (const item of client.listBlobsFlat()) files.set(`${name}/${item.name}`, await client.getBlobClient(item.name).downloadToBuffer());
  }
  return { files, existing };
}
