import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sha256 } from "../image-documents.js";

/**
 * The destination of the meta-test's toy network exporters: an in-memory server of named
 * artifacts, each a manifest (JSON: its blob digests) and the blobs it names.
 *   PUT /a/<name>/blobs/<digest>   stored once the whole body arrived and matches the digest
 *   PUT /a/<name>/manifest         stored once the whole body arrived
 *   GET the same paths.
 * A body cut short stores nothing, as a registry keeps no half-uploaded blob under its digest.
 */
export interface ArtifactServer {
  url: string;
  objects: Map<string, Buffer>;
  stop(): Promise<void>;
}

export async function startArtifactServer(): Promise<ArtifactServer> {
  const objects = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "PUT") {
        const body = Buffer.concat(chunks);
        const digest = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
        if (digest !== undefined && sha256(body) !== digest) return void res.writeHead(400).end("digest mismatch");
        objects.set(path, body);
        return void res.writeHead(201).end();
      }
      const stored = objects.get(path);
      if (stored === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { "content-length": stored.length }).end(req.method === "HEAD" ? undefined : stored);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
