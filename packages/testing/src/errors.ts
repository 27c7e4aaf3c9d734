import { ExpError } from "@exp/errors";

/** External programs a utility needs are not on PATH. `packages` are the Debian packages that provide them. */
export class MissingToolsError extends ExpError {
  readonly missing: readonly string[];
  readonly packages: readonly string[];
  constructor(missing: readonly string[], packages: readonly string[], context: string) {
    super(
      "ERR_MISSING_TOOLS",
      `${context}: missing tool${missing.length === 1 ? "" : "s"} ${missing.join(", ")} on PATH; ` +
        `install with: apt-get install -y ${packages.join(" ")}`,
    );
    this.missing = missing;
    this.packages = packages;
  }
}

/**
 * Something a test needs other than a tool on PATH (root, a kernel file) is missing where tests
 * may not skip (CI=true). `what` names it, `howToGet` says how to provide it.
 */
export class MissingPrerequisiteError extends ExpError {
  readonly what: string;
  constructor(what: string, howToGet: string, context: string) {
    super("ERR_MISSING_PREREQUISITE", `${context}: missing ${what}; ${howToGet}`);
    this.what = what;
  }
}

/** A helper program (openssl, htpasswd) ran but failed. The message carries its stderr. */
export class ToolFailedError extends ExpError {
  readonly tool: string;
  constructor(tool: string, detail: string, cause?: unknown) {
    super("ERR_TOOL_FAILED", `${tool} failed: ${detail}`, { cause, fault: "server" });
    this.tool = tool;
  }
}

/** docker-registry did not become ready. The message ends with the tail of its log, which says why. */
export class RegistryStartError extends ExpError {
  readonly logTail: string;
  constructor(reason: string, logTail: string, cause?: unknown) {
    super("ERR_REGISTRY_START", `docker-registry did not start: ${reason}${logTail ? `\n--- registry log (tail) ---\n${logTail}` : ""}`, {
      cause,
      fault: "server",
    });
    this.logTail = logTail;
  }
}

/**
 * A proxy target that is not a loopback address. The test utilities only ever talk to servers on
 * this machine: a test must never be able to send traffic (let alone injected faults) elsewhere.
 */
export class NonLoopbackTargetError extends ExpError {
  readonly target: string;
  constructor(target: string, reason: string) {
    super("ERR_NON_LOOPBACK_TARGET", `fault proxy target ${JSON.stringify(target)} rejected: ${reason}; only loopback targets (127.0.0.0/8, ::1, localhost) are allowed`);
    this.target = target;
  }
}

/**
 * The private Swift (s3api) did not become ready. The message ends with the tails of the logs of
 * every process it started (memcached and the four Swift servers), which say why.
 */
export class S3StartError extends ExpError {
  readonly logTail: string;
  constructor(reason: string, logTail: string, cause?: unknown) {
    super("ERR_S3_START", `Swift (s3api) did not start: ${reason}${logTail ? `\n--- logs (tail) ---\n${logTail}` : ""}`, {
      cause,
      fault: "server",
    });
    this.logTail = logTail;
  }
}

/**
 * A cached test artifact (the Debian base) is being made by another live process and did not
 * appear in time. The message names the lock file and its holder, so a stuck holder can be found.
 */
export class TestCacheLockError extends ExpError {
  readonly lockPath: string;
  constructor(lockPath: string, holder: string, waitedMs: number) {
    super("ERR_TEST_CACHE_LOCK", `waited ${Math.round(waitedMs / 1000)} s for ${lockPath} (held by pid ${holder || "?"}); remove it if that process is stuck`, {
      fault: "server",
    });
    this.lockPath = lockPath;
  }
}

/**
 * An exporter broke a promise of the export contract, found by the conformance suite. `check`
 * names the check (see conformanceChecks); the message says what was expected and what happened,
 * and `cause` carries the exporter's own error when it threw one.
 */
export class ConformanceError extends ExpError {
  readonly check: string;
  constructor(check: string, message: string, cause?: unknown) {
    super("ERR_CONFORMANCE", `${check}: ${message}${cause === undefined ? "" : `: ${describeCause(cause)}`}`, cause === undefined ? {} : { cause });
    this.check = check;
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${(cause as { code?: unknown }).code ? `${String((cause as { code?: unknown }).code)} ` : ""}${cause.message}`;
  return String(cause);
}

/**
 * The private npm registry (Verdaccio) did not start, or its publish user could not be created.
 * The message ends with the tail of its log, which says why.
 */
export class VerdaccioStartError extends ExpError {
  readonly logTail: string;
  constructor(reason: string, logTail: string, cause?: unknown) {
    super("ERR_VERDACCIO_START", `Verdaccio did not start: ${reason}${logTail ? `\n--- verdaccio log (tail) ---\n${logTail}` : ""}`, {
      ...(cause === undefined ? {} : { cause }),
      fault: "server",
    });
    this.logTail = logTail;
  }
}

/** Azurite (Microsoft's Azure Storage emulator) did not start; its log's tail is in the message. */
export class AzuriteStartError extends ExpError {
  readonly logTail: string;
  constructor(reason: string, logTail: string, cause?: unknown) {
    super("ERR_AZURITE_START", `Azurite did not start: ${reason}${logTail ? `\n--- azurite log (tail) ---\n${logTail}` : ""}`, {
      ...(cause === undefined ? {} : { cause }),
      fault: "server",
    });
    this.logTail = logTail;
  }
}
