import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: the kernel picks it when we listen on port 0,
 * then we close. Another process may take it before our child binds it, so callers retry on EADDRINUSE.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("could not read the port of a listening socket"))));
    });
  });
}
