import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortedError } from "@exp/errors";
import { CredentialHelperError, CredentialHelperNotFoundError, InvalidCredentialsFileError } from "./credential-errors.js";
import { resolveCredentials, type ResolveCredentialsOptions } from "./resolve-credentials.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

let root: string;
let bin: string;
let counter = 0;

// Fake docker-credential-* programs, found through PATH by the default runner.
const helpers: Record<string, string> = {
  // Knows ghcr.io (basic) and Docker Hub (identity token); records what it was asked.
  fake: `#!/bin/sh
read -r server
printf '%s' "$server" > "$HOME/asked"
case "$server" in
  ghcr.io) printf '{"ServerURL":"ghcr.io","Username":"helper-user","Secret":"helper-secret-123"}' ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"identity-token-abc123"}' "$server" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`,
  broken: `#!/bin/sh
cat > /dev/null
echo "vault unreachable; token=s3cr3tTokenValue9 and key ghp_abcdefghijklmnop1234567890" >&2
exit 3
`,
  notjson: `#!/bin/sh
cat > /dev/null
echo "Secret=leaked-value-42 not json at all"
`,
  slow: `#!/bin/sh
exec sleep 30
`,
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "exp-auth-"));
  bin = join(root, "bin");
  await mkdir(bin);
  for (const [name, script] of Object.entries(helpers)) {
    const path = join(bin, `docker-credential-${name}`);
    await writeFile(path, script);
    await chmod(path, 0o755);
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Setup {
  docker?: unknown;
  podman?: unknown;
  env?: NodeJS.ProcessEnv;
}

/** A fresh HOME with the given config files; returns options for resolveCredentials. */
async function setup({ docker, podman, env = {} }: Setup): Promise<ResolveCredentialsOptions & { home: string }> {
  const home = join(root, `home${counter++}`);
  await mkdir(home);
  if (docker !== undefined) {
    await mkdir(join(home, ".docker"));
    await writeFile(join(home, ".docker", "config.json"), typeof docker === "string" ? docker : JSON.stringify(docker));
  }
  if (podman !== undefined) {
    await mkdir(join(home, ".config", "containers"), { recursive: true });
    await writeFile(join(home, ".config", "containers", "auth.json"), typeof podman === "string" ? podman : JSON.stringify(podman));
  }
  // A minimal env, so the real user's XDG_RUNTIME_DIR or DOCKER_CONFIG cannot leak in.
  return { home, homeDir: home, env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: home, ...env } };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

describe("resolveCredentials: order and sources", () => {
  it("is anonymous when nothing is configured", async () => {
    const options = await setup({});
    expect(await resolveCredentials("ghcr.io", options)).toEqual({ credentials: { kind: "anonymous" }, source: "no credentials configured" });
  });

  it("prefers explicit credentials over files, and seals plain objects", async () => {
    const options = await setup({ docker: { auths: { "ghcr.io": { auth: b64("file:pw") } } } });
    const result = await resolveCredentials("ghcr.io", { ...options, explicit: { username: "me", password: "explicit-pw-1" } });
    expect(result.source).toBe("explicit");
    expect(result.credentials).toMatchObject({ kind: "basic", username: "me", password: "explicit-pw-1" });
    expect(JSON.stringify(result)).not.toContain("explicit-pw-1");
    expect(inspect(result, { depth: 10 })).not.toContain("explicit-pw-1");
  });

  it("reads auths with base64 auth, splitting at the first colon", async () => {
    const options = await setup({ docker: { auths: { "ghcr.io": { auth: b64("user:pa:ss:word") } } } });
    const result = await resolveCredentials("ghcr.io", options);
    expect(result.credentials).toMatchObject({ kind: "basic", username: "user", password: "pa:ss:word" });
    expect(result.source).toBe(`docker config auths (${join(options.home, ".docker", "config.json")})`);
  });

  it("reads username/password fields and identitytoken", async () => {
    const options = await setup({
      docker: { auths: { "a.example": { username: "u", password: "p" }, "b.example": { auth: b64("ignored:x"), identitytoken: "id-tok-7" } } },
    });
    expect((await resolveCredentials("a.example", options)).credentials).toMatchObject({ kind: "basic", username: "u", password: "p" });
    expect((await resolveCredentials("b.example", options)).credentials).toMatchObject({ kind: "identity-token", token: "id-tok-7" });
  });

  it.each([
    ["docker.io", "https://index.docker.io/v1/"],
    ["index.docker.io", "https://index.docker.io/v1/"],
    ["registry-1.docker.io", "https://index.docker.io/v1/"],
    ["docker.io", "docker.io"],
    ["host:5000", "http://host:5000"],
    ["host:5000", "host:5000/v2/"],
    ["host:5000", "https://host:5000/v1/"],
    ["Host.Example", "host.example"],
  ])("matches registry %s with auths key %s", async (registry, key) => {
    const options = await setup({ docker: { auths: { [key]: { auth: b64("u:p") } } } });
    expect((await resolveCredentials(registry, options)).credentials.kind).toBe("basic");
  });

  it.each([
    ["host:5001", "host:5000"],
    ["host", "host:5000"],
    ["ghcr.io", "https://index.docker.io/v1/"],
    ["docker.io", "docker.example.io"],
  ])("does not match registry %s with auths key %s", async (registry, key) => {
    const options = await setup({ docker: { auths: { [key]: { auth: b64("u:p") } } } });
    expect((await resolveCredentials(registry, options)).credentials.kind).toBe("anonymous");
  });

  it("prefers the exact key when several keys match", async () => {
    const options = await setup({
      docker: { auths: { "http://host:5000": { auth: b64("url:p") }, "host:5000": { auth: b64("exact:p") } } },
    });
    expect((await resolveCredentials("host:5000", options)).credentials).toMatchObject({ username: "exact" });
  });

  it("skips an empty auths entry", async () => {
    const options = await setup({ docker: { auths: { "ghcr.io": {} } } });
    expect((await resolveCredentials("ghcr.io", options)).credentials.kind).toBe("anonymous");
  });

  it("uses podman's auth.json before docker's config", async () => {
    const options = await setup({
      podman: { auths: { "ghcr.io": { auth: b64("podman:p") } } },
      docker: { auths: { "ghcr.io": { auth: b64("docker:p") } } },
    });
    const result = await resolveCredentials("ghcr.io", options);
    expect(result.credentials).toMatchObject({ username: "podman" });
    expect(result.source).toBe(`podman auth.json auths (${join(options.home, ".config", "containers", "auth.json")})`);
    // ...and falls through to docker for a registry podman does not know.
    const other = await setup({ podman: { auths: { "quay.io": { auth: b64("podman:p") } } }, docker: { auths: { "ghcr.io": { auth: b64("docker:p") } } } });
    expect((await resolveCredentials("ghcr.io", other)).credentials).toMatchObject({ username: "docker" });
  });

  it("honours REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR and DOCKER_CONFIG", async () => {
    const dir = join(root, `env${counter++}`);
    await mkdir(join(dir, "runtime", "containers"), { recursive: true });
    await mkdir(join(dir, "dockercfg"));
    await writeFile(join(dir, "explicit.json"), JSON.stringify({ auths: { "a.example": { auth: b64("from-registry-auth-file:p") } } }));
    await writeFile(join(dir, "runtime", "containers", "auth.json"), JSON.stringify({ auths: { "a.example": { auth: b64("from-runtime:p") } } }));
    await writeFile(join(dir, "dockercfg", "config.json"), JSON.stringify({ auths: { "b.example": { auth: b64("from-docker-config:p") } } }));

    const withRuntime = await setup({ env: { XDG_RUNTIME_DIR: join(dir, "runtime"), DOCKER_CONFIG: join(dir, "dockercfg") } });
    expect((await resolveCredentials("a.example", withRuntime)).credentials).toMatchObject({ username: "from-runtime" });
    expect((await resolveCredentials("b.example", withRuntime)).credentials).toMatchObject({ username: "from-docker-config" });

    const withFile = await setup({ env: { REGISTRY_AUTH_FILE: join(dir, "explicit.json"), XDG_RUNTIME_DIR: join(dir, "runtime") } });
    const result = await resolveCredentials("a.example", withFile);
    expect(result.credentials).toMatchObject({ username: "from-registry-auth-file" });
    expect(result.source).toBe(`podman auth.json auths (${join(dir, "explicit.json")})`);
  });
});

describe("resolveCredentials: credential helpers (real processes on PATH)", () => {
  it("runs credHelpers[registry] and reports it as the source", async () => {
    const options = await setup({ docker: { credHelpers: { "ghcr.io": "fake" }, auths: { "ghcr.io": { auth: b64("file:p") } } } });
    const result = await resolveCredentials("ghcr.io", options);
    expect(result.credentials).toMatchObject({ kind: "basic", username: "helper-user", password: "helper-secret-123" });
    expect(result.source).toBe(`docker config credHelpers.fake (${join(options.home, ".docker", "config.json")})`);
    expect(result.source).not.toContain("helper-secret-123");
    expect(await readFile(join(options.home, "asked"), "utf8")).toBe("ghcr.io");
  });

  it("treats Username <token> as an identity token and asks about Docker Hub by its legacy URL", async () => {
    const options = await setup({ docker: { credHelpers: { "index.docker.io": "fake" } } });
    const result = await resolveCredentials("docker.io", options);
    expect(result.credentials).toMatchObject({ kind: "identity-token", token: "identity-token-abc123" });
    expect(await readFile(join(options.home, "asked"), "utf8")).toBe("https://index.docker.io/v1/");
  });

  it("treats 'credentials not found' from a credHelper as anonymous, without falling back", async () => {
    const options = await setup({ docker: { credHelpers: { "quay.io": "fake" }, auths: { "quay.io": { auth: b64("file:p") } } } });
    const result = await resolveCredentials("quay.io", options);
    expect(result.credentials.kind).toBe("anonymous");
    expect(result.source).toContain("credHelpers.fake");
  });

  it("uses credsStore, and falls through to auths when it has nothing", async () => {
    const options = await setup({ docker: { credsStore: "fake", auths: { "ghcr.io": {}, "quay.io": { auth: b64("inline:p") } } } });
    const ghcr = await resolveCredentials("ghcr.io", options);
    expect(ghcr.credentials).toMatchObject({ username: "helper-user" });
    expect(ghcr.source).toBe(`docker config credsStore fake (${join(options.home, ".docker", "config.json")})`);
    const quay = await resolveCredentials("quay.io", options);
    expect(quay.credentials).toMatchObject({ username: "inline" });
    expect(quay.source).toContain("docker config auths");
  });

  it("explains a missing helper: program, registry, file, fix", async () => {
    const options = await setup({ docker: { credHelpers: { "ghcr.io": "nothere" } } });
    const error = await rejection(resolveCredentials("ghcr.io", options));
    expect(error).toBeInstanceOf(CredentialHelperNotFoundError);
    expect(error).toMatchObject({ code: "ERR_CREDENTIAL_HELPER_NOT_FOUND", helper: "nothere", registry: "ghcr.io" });
    expect(error.message).toContain("docker-credential-nothere");
    expect(error.message).toContain("ghcr.io");
    expect(error.message).toContain(join(options.home, ".docker", "config.json"));
    expect(error.message).toMatch(/PATH/);
  });

  it("reports a failing helper's exit code and redacted stderr", async () => {
    const options = await setup({ docker: { credHelpers: { "ghcr.io": "broken" } } });
    const error = await rejection(resolveCredentials("ghcr.io", options));
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect(error).toMatchObject({ code: "ERR_CREDENTIAL_HELPER_FAILED", exitCode: 3 });
    expect(error.message).toContain("exited with code 3");
    expect(error.message).toContain("vault unreachable");
    expect(error.message).not.toContain("s3cr3tTokenValue9");
    expect(error.message).not.toContain("ghp_abcdefghijklmnop1234567890");
  });

  it("rejects helper output that is not JSON without quoting it", async () => {
    const options = await setup({ docker: { credHelpers: { "ghcr.io": "notjson" } } });
    const error = await rejection(resolveCredentials("ghcr.io", options));
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect(error.message).toContain("not JSON");
    expect(error.message).not.toContain("leaked-value-42");
  });

  it("kills a helper that does not answer in time", async () => {
    const options = await setup({ docker: { credHelpers: { "ghcr.io": "slow" } } });
    const error = await rejection(resolveCredentials("ghcr.io", { ...options, helperTimeoutMs: 200 }));
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect(error.message).toContain("did not answer within 200 ms");
  });

  it("stops a running helper on abort", async () => {
    const options = await setup({ docker: { credHelpers: { "ghcr.io": "slow" } } });
    const controller = new AbortController();
    const pending = resolveCredentials("ghcr.io", { ...options, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await rejection(pending)).toBeInstanceOf(AbortedError);
  });

  it("rejects an already aborted signal before reading anything", async () => {
    const options = await setup({});
    await expect(resolveCredentials("ghcr.io", { ...options, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortedError);
  });
});

describe("resolveCredentials: injected runHelper", () => {
  it("passes the helper name and server URL", async () => {
    const options = await setup({ docker: { credHelpers: { "123.dkr.ecr.us-east-1.amazonaws.com": "ecr-login" } } });
    const calls: string[][] = [];
    const result = await resolveCredentials("123.dkr.ecr.us-east-1.amazonaws.com", {
      ...options,
      runHelper: async (name, serverUrl) => {
        calls.push([name, serverUrl]);
        return JSON.stringify({ ServerURL: serverUrl, Username: "AWS", Secret: "ecr-password" });
      },
    });
    expect(calls).toEqual([["ecr-login", "123.dkr.ecr.us-east-1.amazonaws.com"]]);
    expect(result.credentials).toMatchObject({ username: "AWS" });
    expect(result.source).toContain("credHelpers.ecr-login");
  });

  it("maps a runner's not-found error to one that says where the helper is configured", async () => {
    const options = await setup({ docker: { credsStore: "desktop" } });
    const error = await rejection(
      resolveCredentials("ghcr.io", {
        ...options,
        runHelper: async (name, serverUrl) => {
          throw new CredentialHelperNotFoundError(name, serverUrl);
        },
      }),
    );
    expect(error).toBeInstanceOf(CredentialHelperNotFoundError);
    expect(error.message).toContain(`"credsStore" in ${join(options.home, ".docker", "config.json")}`);
  });
});

describe("resolveCredentials: broken files", () => {
  it("names the file on bad JSON and never quotes its content", async () => {
    const options = await setup({ docker: `{"auths": {"ghcr.io": {"auth": "${b64("u:json-secret-xyz")}"}` });
    const error = await rejection(resolveCredentials("ghcr.io", options));
    expect(error).toBeInstanceOf(InvalidCredentialsFileError);
    expect(error).toMatchObject({ code: "ERR_INVALID_AUTH_FILE" });
    expect(error.message).toContain(join(options.home, ".docker", "config.json"));
    expect(error.message).toContain("not valid JSON");
    expect(error.message).not.toContain("json-secret-xyz");
    expect(error.message).not.toContain(b64("u:json-secret-xyz"));
    expect(error.cause).toBeUndefined();
  });

  it.each([
    ["not base64", "!!!not-base64-secret!!!", /not valid base64/],
    ["no colon", b64("nocolonsecret"), /no colon/],
  ])("rejects an auth value that is %s without showing it", async (_name, auth, reason) => {
    const options = await setup({ docker: { auths: { "ghcr.io": { auth } } } });
    const error = await rejection(resolveCredentials("ghcr.io", options));
    expect(error).toBeInstanceOf(InvalidCredentialsFileError);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain('auths["ghcr.io"].auth');
    expect(error.message).not.toContain(auth);
    expect(error.message).not.toContain("secret");
  });

  it("ignores a broken entry for another registry", async () => {
    const options = await setup({ docker: { auths: { "other.example": { auth: "!!!" }, "ghcr.io": { auth: b64("u:p") } } } });
    expect((await resolveCredentials("ghcr.io", options)).credentials.kind).toBe("basic");
  });

  it.each([
    ["a top level that is not an object", "[]", /top level/],
    ["auths that is not an object", JSON.stringify({ auths: [] }), /"auths" is not an object/],
    ["a helper name with a path", JSON.stringify({ credHelpers: { "ghcr.io": "../../bin/sh" } }), /not a helper name/],
  ])("rejects %s", async (_name, content, reason) => {
    const options = await setup({ docker: content });
    const error = await rejection(resolveCredentials("ghcr.io", options));
    expect(error).toBeInstanceOf(InvalidCredentialsFileError);
    expect(error.message).toMatch(reason);
  });

  it("treats an empty file as empty", async () => {
    const options = await setup({ docker: "" });
    expect((await resolveCredentials("ghcr.io", options)).credentials.kind).toBe("anonymous");
  });
});
