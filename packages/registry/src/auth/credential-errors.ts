import { ExpError } from "@exp/errors";

/** Where a helper was configured, e.g. `credHelpers["ghcr.io"] in /home/me/.docker/config.json`. */
export type HelperOrigin = string;

/**
 * A credential helper named in a config file is not installed (docker/cli#2121 shows how baffling
 * docker's "no basic auth credentials" is here). The message names the program, the registry,
 * the config entry, and both ways out.
 */
export class CredentialHelperNotFoundError extends ExpError {
  readonly helper: string;
  readonly registry: string;
  readonly configuredAt: HelperOrigin | undefined;

  constructor(helper: string, registry: string, configuredAt?: HelperOrigin, options: { cause?: unknown } = {}) {
    const program = `docker-credential-${helper}`;
    super(
      "ERR_CREDENTIAL_HELPER_NOT_FOUND",
      `credential helper ${program} is not on PATH, so credentials for ${registry} cannot be read` +
        (configuredAt ? ` (it is configured in ${configuredAt})` : "") +
        `; install ${program} and put its directory on PATH, or remove that entry to use the credentials stored in the config file or none`,
      { ...options, fault: "client" },
    );
    this.helper = helper;
    this.registry = registry;
    this.configuredAt = configuredAt;
  }
}

/** A credential helper ran and failed. `output` is its stderr/stdout with secrets redacted. */
export class CredentialHelperError extends ExpError {
  readonly helper: string;
  readonly registry: string;
  readonly exitCode: number | undefined;
  readonly output: string;
  /** What went wrong, in words: "exited with code 1", "did not answer within 30000 ms". */
  readonly problem: string;
  readonly configuredAt: HelperOrigin | undefined;

  constructor(
    helper: string,
    registry: string,
    details: { exitCode?: number; output?: string; problem?: string; configuredAt?: HelperOrigin; serverUrl?: string; cause?: unknown },
  ) {
    const problem = details.problem ?? `exited with code ${details.exitCode ?? "unknown"}`;
    const output = details.output ?? "";
    super(
      "ERR_CREDENTIAL_HELPER_FAILED",
      `credential helper docker-credential-${helper} ${problem} while getting credentials for ${registry}` +
        (details.configuredAt ? ` (configured in ${details.configuredAt})` : "") +
        (output ? `: ${output}` : "") +
        `; run "echo ${details.serverUrl ?? registry} | docker-credential-${helper} get" to see the helper's own error`,
      { cause: details.cause, fault: "client" },
    );
    this.helper = helper;
    this.registry = registry;
    this.exitCode = details.exitCode;
    this.output = output;
    this.problem = problem;
    this.configuredAt = details.configuredAt;
  }
}

/**
 * A docker or podman auth file that cannot be used. Names the file and the problem, never the
 * content: the file is full of secrets.
 */
export class InvalidCredentialsFileError extends ExpError {
  readonly file: string;

  constructor(file: string, problem: string) {
    super("ERR_INVALID_AUTH_FILE", `credentials file ${file} cannot be used: ${problem}; fix or remove it (docker login / podman login rewrite it)`, {
      fault: "client",
    });
    this.file = file;
  }
}
