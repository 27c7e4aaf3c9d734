import type { ConnectionFailure } from "@exp/errors";

// The rule (which failures, how many tries) lives in @exp/errors' connection-failure.ts, shared
// with the other client; this file words the message for this package's settings.
export { connectionFailureAttempts, connectionFailureOf, type ConnectionFailure, type ConnectionFailureKind } from "@exp/errors";

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
