import { homedir } from "node:os";
import { throwIfAborted } from "@exp/errors";
import { authFilePaths, credentialsFromEntry, findEntry, helperServerUrl, readAuthFile, type AuthFile } from "./auth-file.js";
import { CredentialHelperError, CredentialHelperNotFoundError } from "./credential-errors.js";
import { createCredentialHelperRunner, isCredentialsNotFound, parseHelperOutput, type RunCredentialHelper } from "./credential-helper.js";
import { anonymousCredentials, sealCredentials, type Credentials, type ResolvedCredentials } from "./credentials.js";

/** The `source` when no file or helper had anything for the registry. */
export const NO_CREDENTIALS_SOURCE = "no credentials configured";

export interface ResolveCredentialsOptions {
  /** Credentials given by the caller; they win over every file. */
  explicit?: Credentials | { username: string; password: string };
  /** Where REGISTRY_AUTH_FILE, XDG_*, DOCKER_CONFIG and the helpers' PATH come from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default env.HOME, then os.homedir(). */
  homeDir?: string;
  signal?: AbortSignal;
  /** Runs a credential helper; tests inject one. Default spawns docker-credential-<name> get. */
  runHelper?: RunCredentialHelper;
  /** Timeout for the default helper runner. Default 30 s. */
  helperTimeoutMs?: number;
}

/**
 * Finds credentials for a registry the way podman (containers/image) and docker do, in order:
 * explicit → podman auth.json ($REGISTRY_AUTH_FILE or $XDG_RUNTIME_DIR/containers/auth.json, then
 * ~/.config/containers/auth.json) → docker config.json ($DOCKER_CONFIG or ~/.docker): in each file
 * credHelpers[registry], then credsStore, then auths[registry] → anonymous.
 * `source` says which one answered and never holds a secret.
 */
export async function resolveCredentials(registry: string, options: ResolveCredentialsOptions = {}): Promise<ResolvedCredentials> {
  const { signal } = options;
  throwIfAborted(signal, `resolving credentials for ${registry}`);
  if (options.explicit) return { credentials: sealCredentials(options.explicit), source: "explicit" };

  const env = options.env ?? process.env;
  const homeDir = options.homeDir ?? env.HOME ?? homedir();
  const runHelper = options.runHelper ?? createCredentialHelperRunner({ env, ...(options.helperTimeoutMs ? { timeoutMs: options.helperTimeoutMs } : {}) });
  const lookup = new FileLookup(registry, runHelper, signal);
  const paths = authFilePaths(env, homeDir);

  for (const path of paths.podman) {
    const file = await readAuthFile(path, signal);
    const found = file && (await lookup.search(file, "podman auth.json"));
    if (found) return found;
  }
  const file = await readAuthFile(paths.docker, signal);
  const found = file && (await lookup.search(file, "docker config"));
  if (found) return found;
  return { credentials: anonymousCredentials(), source: NO_CREDENTIALS_SOURCE };
}

class FileLookup {
  constructor(
    private readonly registry: string,
    private readonly runHelper: RunCredentialHelper,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async search(file: AuthFile, label: string): Promise<ResolvedCredentials | undefined> {
    // A credHelpers entry is final, as in docker and containers/image: its "not found" means
    // anonymous, rather than falling through to credentials stored elsewhere for the host.
    const helper = findEntry(file.credHelpers, this.registry);
    if (helper) {
      const [key, name] = helper;
      const source = `${label} credHelpers.${name} (${file.path})`;
      const credentials = await this.ask(name, `credHelpers[${JSON.stringify(key)}] in ${file.path}`);
      return { credentials, source: credentials.kind === "anonymous" ? `${source}: nothing stored for ${this.registry}` : source };
    }
    // credsStore holds what `docker login` saved; an empty answer falls through to `auths`, which
    // may still carry inline credentials written by other tools.
    if (file.credsStore) {
      const credentials = await this.ask(file.credsStore, `"credsStore" in ${file.path}`);
      if (credentials.kind !== "anonymous") return { credentials, source: `${label} credsStore ${file.credsStore} (${file.path})` };
    }
    const entry = findEntry(file.auths, this.registry);
    const credentials = entry && credentialsFromEntry(file.path, entry[0], entry[1]);
    return credentials ? { credentials, source: `${label} auths (${file.path})` } : undefined;
  }

  private async ask(name: string, configuredAt: string): Promise<Credentials> {
    let stdout: string;
    try {
      stdout = await this.runHelper(name, helperServerUrl(this.registry), this.signal);
    } catch (error) {
      if (isCredentialsNotFound(error)) return anonymousCredentials();
      if (error instanceof CredentialHelperNotFoundError) {
        throw new CredentialHelperNotFoundError(name, this.registry, configuredAt, { cause: error.cause });
      }
      if (error instanceof CredentialHelperError) {
        throw new CredentialHelperError(name, this.registry, {
          ...(error.exitCode === undefined ? {} : { exitCode: error.exitCode }),
          output: error.output,
          problem: error.problem,
          configuredAt,
          serverUrl: helperServerUrl(this.registry),
          cause: error.cause,
        });
      }
      throw error;
    }
    return parseHelperOutput(name, this.registry, stdout, configuredAt);
  }
}
