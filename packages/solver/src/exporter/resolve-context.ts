/**
 * What a backend may read besides its attributes when it is resolved. BuildKit's cache backends
 * take defaults from buildkitd's environment (AWS_REGION, AZURE_STORAGE_CONNECTION_STRING,
 * ACTIONS_RUNTIME_TOKEN); exp's take them from the environment of the build that asks, which for
 * a program that runs builds in process (runCli with its own env) is not process.env.
 */
export interface ResolveContext {
  /** The environment to read defaults and credentials from; process.env when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
