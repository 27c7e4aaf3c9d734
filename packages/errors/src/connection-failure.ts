/**
 * A connection that could not be made at all, as opposed to one that broke: nothing listens on the
 * port (ECONNREFUSED), or the host name does not resolve (ENOTFOUND: the name does not exist;
 * EAI_AGAIN: the resolver did not answer). Backing off for seconds does not cure these: a server
 * that is down or misspelt stays so, and every build with a `--cache-from` pointing at it paid a
 * whole retry budget (7 tries, about 10 s) before going on without the cache. Shared by the
 * registry client and the S3 cache, which word their messages for their own settings.
 */
export type ConnectionFailureKind = "refused" | "host-not-found" | "dns-unavailable";

export interface ConnectionFailure {
  kind: ConnectionFailureKind;
  /** The system error code, for the message. */
  code: string;
  /** The system error, which names the address (`address`, `port`) or the name (`hostname`). */
  error: Error & { address?: unknown; port?: unknown; hostname?: unknown };
}

const kindByCode: Readonly<Record<string, ConnectionFailureKind>> = {
  ECONNREFUSED: "refused",
  ENOTFOUND: "host-not-found",
  EAI_AGAIN: "dns-unavailable",
};

/**
 * Tries a request gets when it fails this way, the first included. One retry for a refused
 * connection (a server restarting, a port just opened) and for a resolver that did not answer;
 * none for a name the resolver says does not exist.
 */
export const connectionFailureAttempts: Readonly<Record<ConnectionFailureKind, number>> = {
  refused: 2,
  "dns-unavailable": 2,
  "host-not-found": 1,
};

/** The connection failure anywhere in `error`'s cause chain (or among an AggregateError's errors). */
export function connectionFailureOf(error: unknown): ConnectionFailure | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!(e instanceof Error) || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    const kind = typeof code === "string" ? kindByCode[code] : undefined;
    if (kind !== undefined) return { kind, code: code as string, error: e };
    queue.push(e.cause);
    // Happy eyeballs (several addresses tried at once) fails with one error per address.
    if (e instanceof AggregateError) queue.push(...(e.errors as unknown[]));
  }
  return undefined;
}
