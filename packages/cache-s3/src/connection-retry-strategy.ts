import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { connectionFailureAttempts, connectionFailureOf } from "./connection-failure.js";

type AnyRetryStrategy = NonNullable<S3ClientConfig["retryStrategy"]>;
/** The SDK's token-based strategy interface (@smithy/types RetryStrategyV2), named through the client's config type. */
export type RetryStrategyV2 = Extract<AnyRetryStrategy, { refreshRetryTokenForRetry: unknown }>;

/**
 * The SDK's standard retry strategy (backoff, retry quota, throttling delays, as many tries as
 * `maxAttempts`), except that a connection that cannot be made gets one retry at most: the SDK
 * counts ECONNREFUSED and ENOTFOUND as transient and tried a dead endpoint seven times, about 3 s
 * added to every build whose `--cache-from` named it.
 *
 * The standard strategy is taken from a client built for the purpose, as the SDK builds it, since
 * its class lives in a package of the SDK's own (@smithy/core) that this one does not depend on.
 * Undefined when the SDK's default is not a token-based strategy; the client then keeps it.
 */
export async function connectionAwareRetryStrategy(sdk: typeof import("@aws-sdk/client-s3"), maxAttempts: number): Promise<RetryStrategyV2 | undefined> {
  const reference = new sdk.S3Client({ maxAttempts });
  let standard: AnyRetryStrategy;
  try {
    standard = await reference.config.retryStrategy();
  } finally {
    reference.destroy();
  }
  if (!isTokenBased(standard)) return undefined;
  return {
    acquireInitialRetryToken: (scope) => standard.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: async (token, errorInfo) => {
      const failure = connectionFailureOf(errorInfo.error);
      // getRetryCount() is the retries so far; this failure ends try number count + 1.
      if (failure !== undefined && token.getRetryCount() + 1 >= connectionFailureAttempts[failure.kind]) {
        // What the SDK's own strategy throws when it refuses a retry: the middleware then throws the request's error.
        throw new Error(`no retry after ${failure.code}`);
      }
      return standard.refreshRetryTokenForRetry(token, errorInfo);
    },
    recordSuccess: (token) => standard.recordSuccess(token),
  };
}

function isTokenBased(strategy: AnyRetryStrategy): strategy is RetryStrategyV2 {
  return typeof (strategy as Partial<RetryStrategyV2>).refreshRetryTokenForRetry === "function" && typeof (strategy as Partial<RetryStrategyV2>).acquireInitialRetryToken === "function";
}
