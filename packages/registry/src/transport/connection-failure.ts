import type { ConnectionFailure } from "@exp/errors";

// The rule (which failures, how many tries) lives in @exp/errors' connection-failure.ts, shared
// with the other client; this file words the message for this package's settings.
export { connectionFailureAttempts, connectionFailureOf, type ConnectionFailure, type ConnectionFailureKind } from "@exp/errors";

/** What the failure means, naming the host, and what to check: "nothing is listening on 127.0.0.1:5999 (…)". */
export function describeConnectionFailure(failure: ConnectionFailure, target: { host: string; hostname: string }, attempts: number): string {
  const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
  switch (failure.kind) {
    case "refused":
      return `nothing is listening on ${target.host} (${failure.code}, ${tries}); check the host and port, and that the registry is running`;
    case "host-not-found":
      return `the host name ${target.hostname} could not be resolved (${failure.code}: no such host, ${tries}); check its spelling`;
    case "dns-unavailable":
      return `the host name ${target.hostname} could not be resolved (${failure.code}: the DNS resolver did not answer, ${tries}); check the network and the DNS settings`;
  }
}
