import { spawn } from "node:child_process";
import { AbortedError, throwIfAborted } from "@exp/errors";
import { CredentialHelperError, CredentialHelperNotFoundError } from "./credential-errors.js";
import { anonymousCredentials, basicCredentials, identityTokenCredentials, type Credentials } from "./credentials.js";
import { redactSecrets, truncate } from "./redact.js";

/**
 * Runs `docker-credential-<name> get` for a server URL and resolves with its stdout. Rejects with
 * CredentialHelperNotFoundError when the program is missing and CredentialHelperError when it
 * fails; resolveCredentials adds where the helper was configured.
 */
export type RunCredentialHelper = (name: string, serverUrl: string, signal?: AbortSignal) => Promise<string>;

export interface CredentialHelperRunnerOptions {
  /** Environment for the helper; its PATH is where the program is looked up. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Kill the helper after this long. Default 30 s: helpers may call a cloud API, but must not hang a push. */
  timeoutMs?: number;
}

const maxOutput = 1 << 20;

/** The default RunCredentialHelper: spawns the program, as docker's credential-helpers client does. */
export function createCredentialHelperRunner(options: CredentialHelperRunnerOptions = {}): RunCredentialHelper {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return (name, serverUrl, signal) => {
    throwIfAborted(signal, `credential helper docker-credential-${name}`);
    return new Promise<string>((resolve, reject) => {
      const child = spawn(`docker-credential-${name}`, ["get"], {
        env: options.env ?? process.env,
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
      });
      let stdout = "";
      let stderr = "";
      let settled = false;
      const finish = (error: Error | undefined, value?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve(value ?? "");
      };
      const onAbort = (): void => {
        child.kill("SIGKILL");
        finish(new AbortedError(`credential helper docker-credential-${name}`, signal?.reason));
      };
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        finish(new CredentialHelperError(name, serverUrl, { problem: `did not answer within ${timeoutMs} ms`, serverUrl }));
      }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });

      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        if (stdout.length < maxOutput) stdout += chunk;
      });
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        if (stderr.length < maxOutput) stderr += chunk;
      });
      // A helper that exits without reading stdin makes our write fail with EPIPE; its exit code
      // is the real answer, so the write error is ignored.
      child.stdin.on("error", () => {});
      child.stdin.end(serverUrl);

      child.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") finish(new CredentialHelperNotFoundError(name, serverUrl, undefined, { cause: error }));
        else finish(new CredentialHelperError(name, serverUrl, { problem: `could not be started (${error.code ?? error.message})`, serverUrl, cause: error }));
      });
      child.on("close", (code, killedBy) => {
        if (code === 0) return finish(undefined, stdout);
        // The helper's output may echo what it was handling; only a redacted copy is kept.
        const output = truncate(redactSecrets(`${stderr}\n${stdout}`));
        const problem = code === null ? `was killed by ${killedBy ?? "a signal"}` : undefined;
        finish(new CredentialHelperError(name, serverUrl, { ...(code === null ? {} : { exitCode: code }), ...(problem ? { problem } : {}), output, serverUrl }));
      });
    });
  };
}

// docker-credential-helpers' errCredentialsNotFound text: "nothing stored" rather than a failure.
const notFoundPattern = /credentials not found/i;

/** True when a helper failure only means "I have nothing stored for this server". */
export function isCredentialsNotFound(error: unknown): boolean {
  return error instanceof CredentialHelperError && notFoundPattern.test(error.output);
}

/**
 * Reads a helper's `{ServerURL, Username, Secret}` answer. Username "<token>" marks Secret as an
 * identity token (docker's convention); an empty Secret means nothing is stored.
 */
export function parseHelperOutput(name: string, registry: string, stdout: string, configuredAt?: string): Credentials {
  const fail = (problem: string): CredentialHelperError =>
    new CredentialHelperError(name, registry, { exitCode: 0, problem, ...(configuredAt ? { configuredAt } : {}) });
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    // Not the parse error's message: V8 quotes the input, which holds the secret.
    throw fail("answered with output that is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null) {
    throw fail("answered with JSON that is not an object");
  }
  const { Username: username, Secret: secret } = parsed as { Username?: unknown; Secret?: unknown };
  if (typeof secret !== "string" || secret === "") return anonymousCredentials();
  if (username === "<token>") return identityTokenCredentials(secret);
  if (typeof username !== "string" || username === "") {
    throw fail('answered with a Secret but no Username (expected a user name, or "<token>" for an identity token)');
  }
  return basicCredentials(username, secret);
}
