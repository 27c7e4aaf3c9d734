/**
 * A connection to S3 that could not be made at all: nothing listens on the endpoint's port
 * (ECONNREFUSED), or its host name does not resolve (ENOTFOUND: no such name; EAI_AGAIN: the
 * resolver did not answer). Retrying for seconds does not cure these, so they get one retry at
 * most (none for a name that does not exist), where a 5xx or a reset gets all of S3_MAX_ATTEMPTS:
 * the same rule as @exp/registry's (its transport/connection-failure.ts).
 */
export type ConnectionFailureKind = "refused" | "host-not-found" | "dns-unavailable";

export interface ConnectionFailure {
  kind: ConnectionFailureKind;
  code: string;
  /** The system error, which names the address (`address`, `port`) or the name (`hostname`). */
  error: Error & { address?: unknown; port?: unknown; hostname?: unknown };
}

const kindByCode: Readonly<Record<string, ConnectionFailureKind>> = {
  ECONNREFUSED: "refused",
  ENOTFOUND: "host-not-found",
  EAI_AGAIN: "dns-unavailable",
};

/** Tries a request gets when it fails this way, the first included. */
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
    if (e instanceof AggregateError) queue.push(...(e.errors as unknown[]));
  }
  return undefined;
}

/** "nothing is listening on 127.0.0.1:5999 (ECONNREFUSED, 2 attempts); check endpoint_url …". */
export function describeConnectionFailure(failure: ConnectionFailure, attempts: number | undefined): string {
  const tries = attempts === undefined ? "" : `, ${attempts} attempt${attempts === 1 ? "" : "s"}`;
  const { address, port, hostname } = failure.error;
  switch (failure.kind) {
    case "refused": {
      const where = typeof address === "string" ? (typeof port === "number" || typeof port === "string" ? `${address.includes(":") ? `[${address}]` : address}:${port}` : address) : "the S3 endpoint";
      return `nothing is listening on ${where} (${failure.code}${tries}); check endpoint_url, and that the S3 service is running`;
    }
    case "host-not-found":
      return `the host name ${typeof hostname === "string" ? hostname : "of the S3 endpoint"} could not be resolved (${failure.code}: no such host${tries}); check endpoint_url, region and bucket`;
    case "dns-unavailable":
      return `the host name ${typeof hostname === "string" ? hostname : "of the S3 endpoint"} could not be resolved (${failure.code}: the DNS resolver did not answer${tries}); check the network and the DNS settings`;
  }
}
