import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { InvalidCredentialsFileError } from "./credential-errors.js";
import { basicCredentials, identityTokenCredentials, type Credentials } from "./credentials.js";
import { isDockerHub, normalizeRegistry } from "@exp/oci-spec";

/** The parts of a docker config.json or podman auth.json that hold credentials. */
export interface AuthFile {
  path: string;
  auths: Record<string, unknown>;
  credHelpers: Record<string, string>;
  credsStore: string | undefined;
}

/** The key docker has always used for Docker Hub, in `auths` and towards credential helpers. */
export const DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";

/** Candidate files, in lookup order, as containers/image and docker find them. */
export function authFilePaths(env: NodeJS.ProcessEnv, homeDir: string): { podman: string[]; docker: string } {
  const podman: string[] = [];
  if (env.REGISTRY_AUTH_FILE) podman.push(env.REGISTRY_AUTH_FILE);
  else if (env.XDG_RUNTIME_DIR) podman.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  podman.push(join(env.XDG_CONFIG_HOME || join(homeDir, ".config"), "containers", "auth.json"));
  const docker = join(env.DOCKER_CONFIG || join(homeDir, ".docker"), "config.json");
  return { podman: [...new Set(podman)], docker };
}

/** Reads and checks one file; undefined when it does not exist. */
export async function readAuthFile(path: string, signal?: AbortSignal): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, { encoding: "utf8", ...(signal ? { signal } : {}) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throwIfAborted(signal, `reading ${path}`);
    throw new InvalidCredentialsFileError(path, `it cannot be read (${code ?? "unknown error"})`);
  }
  if (text.trim() === "") return { path, auths: {}, credHelpers: {}, credsStore: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // Only the position: V8's message quotes the text around it, and the text holds secrets.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
    throw new InvalidCredentialsFileError(path, `it is not valid JSON${position ? ` (error at character ${position})` : ""}`);
  }
  if (!isObject(parsed)) throw new InvalidCredentialsFileError(path, "its top level is not a JSON object");
  const { auths = {}, credHelpers = {}, credsStore } = parsed;
  if (!isObject(auths)) throw new InvalidCredentialsFileError(path, `"auths" is not an object`);
  if (!isObject(credHelpers)) throw new InvalidCredentialsFileError(path, `"credHelpers" is not an object`);
  for (const [key, helper] of Object.entries(credHelpers)) checkHelperName(path, `credHelpers[${JSON.stringify(key)}]`, helper);
  if (credsStore !== undefined && credsStore !== "") checkHelperName(path, `"credsStore"`, credsStore);
  return {
    path,
    auths,
    credHelpers: credHelpers as Record<string, string>,
    credsStore: typeof credsStore === "string" && credsStore !== "" ? credsStore : undefined,
  };
}

// The name becomes part of a program name we execute: no paths, no shell characters.
function checkHelperName(path: string, where: string, helper: unknown): void {
  if (typeof helper !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(helper)) {
    throw new InvalidCredentialsFileError(
      path,
      `${where} is ${JSON.stringify(helper)}, which is not a helper name (letters, digits, ".", "_" and "-", naming docker-credential-<name>)`,
    );
  }
}

/**
 * Finds the entry for a registry in `auths` or `credHelpers`. Keys may be bare hosts or URLs
 * ("https://index.docker.io/v1/", "http://host:5000", "host:5000/v2/"), so they match by host,
 * with Docker Hub's aliases equal. An exact key wins, then docker's own Docker Hub key, then the
 * first match in file order.
 */
export function findEntry<T>(entries: Record<string, T>, registry: string): [key: string, value: T] | undefined {
  const wanted = normalizeRegistry(registry).toLowerCase();
  const matches = Object.entries(entries).filter(([key]) => hostOfKey(key) === wanted);
  return (
    matches.find(([key]) => key === registry) ??
    (isDockerHub(registry) ? matches.find(([key]) => key === DOCKER_HUB_AUTH_KEY) : undefined) ??
    matches[0]
  );
}

function hostOfKey(key: string): string {
  const withoutScheme = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const slash = withoutScheme.indexOf("/");
  const host = slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
  return normalizeRegistry(host).toLowerCase();
}

/**
 * Credentials from one `auths` entry: `identitytoken` wins (docker sends it as an OAuth2 refresh
 * token), then `auth` (base64 "user:pass", split at the first colon since passwords may hold
 * colons), then `username`/`password`. Undefined for an empty entry (docker login with a credsStore
 * leaves `{}` behind).
 */
export function credentialsFromEntry(path: string, key: string, entry: unknown): Credentials | undefined {
  const where = `auths[${JSON.stringify(key)}]`;
  if (!isObject(entry)) throw new InvalidCredentialsFileError(path, `${where} is not an object`);
  const { auth, username, password, identitytoken } = entry;
  if (typeof identitytoken === "string" && identitytoken !== "") return identityTokenCredentials(identitytoken);
  if (typeof auth === "string" && auth.trim() !== "") {
    const encoded = auth.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
      throw new InvalidCredentialsFileError(path, `${where}.auth is not valid base64 (expected base64 of "username:password")`);
    }
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1) {
      throw new InvalidCredentialsFileError(path, `${where}.auth does not decode to "username:password" (no colon found)`);
    }
    return basicCredentials(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  if (typeof username === "string" && username !== "" && typeof password === "string" && password !== "") {
    return basicCredentials(username, password);
  }
  return undefined;
}

/** The server URL a credential helper is asked about: what `docker login` stored it under. */
export function helperServerUrl(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB_AUTH_KEY : registry;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
