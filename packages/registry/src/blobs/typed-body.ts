import { Readable } from "node:stream";
import { ExpError, isAbortError } from "@exp/errors";
import { RegistryNetworkError } from "../errors.js";

/**
 * A body that breaks off after the headers (the connection dropped, a proxy gave up) surfaces as
 * undici's bare SocketError, outside the client's typed errors. The client's streams end in a
 * RegistryNetworkError naming what was being read instead; its own errors pass as they are.
 */
export function asNetworkError(error: unknown, method: string, what: string): unknown {
  if (error instanceof ExpError || isAbortError(error) || !(error instanceof Error)) return error;
  return new RegistryNetworkError(method, what, error);
}

/** The same bytes; a failure mid-body becomes a RegistryNetworkError. */
export function typedBody(source: Readable, what: string): Readable {
  const typed = Readable.from(
    (async function* () {
      try {
        yield* source;
      } catch (error) {
        throw asNetworkError(error, "GET", what);
      }
    })(),
    { objectMode: false },
  );
  // Whoever stops reading early closes the source too (and so releases its connection slot).
  typed.once("close", () => source.destroy());
  return typed;
}
