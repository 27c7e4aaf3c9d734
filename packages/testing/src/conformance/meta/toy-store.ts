import { randomUUID } from "node:crypto";
import { throwIfAborted } from "@exp/errors";
import { sha256 } from "../image-documents.js";

/**
 * Just enough of a content store for the meta-test: blobs, leases holding blobs, and a GC that
 * deletes every blob no lease holds (no reference graph: a lease holds exactly what was added to it).
 */
export class ToyStore {
  readonly blobs = new Map<string, Buffer>();
  private readonly held = new Map<string, { labels: Record<string, string>; digests: Set<string> }>();

  readonly leases = {
    create: async (options: { labels?: Record<string, string> } = {}) => {
      const id = randomUUID();
      this.held.set(id, { labels: options.labels ?? {}, digests: new Set() });
      return { id };
    },
    release: async (id: string) => {
      this.held.delete(id);
    },
    list: async () => [...this.held].map(([id, lease]) => ({ id, labels: lease.labels })),
  };

  async write(bytes: Buffer | string, lease?: string): Promise<{ digest: string; size: number }> {
    const body = Buffer.from(bytes);
    const digest = sha256(body);
    if (lease !== undefined) this.held.get(lease)?.digests.add(digest);
    this.blobs.set(digest, body);
    return { digest, size: body.length };
  }

  async read(digest: string, options: { signal?: AbortSignal } = {}): Promise<Buffer> {
    throwIfAborted(options.signal, `read ${digest}`);
    const body = this.blobs.get(digest);
    if (body === undefined) throw Object.assign(new Error(`blob ${digest} not found`), { code: "ERR_NOT_FOUND" });
    return body;
  }

  async exists(digest: string): Promise<boolean> {
    return this.blobs.has(digest);
  }

  async gc(): Promise<void> {
    const live = new Set([...this.held.values()].flatMap((lease) => [...lease.digests]));
    for (const digest of this.blobs.keys()) if (!live.has(digest)) this.blobs.delete(digest);
  }
}
