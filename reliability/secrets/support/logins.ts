import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestRegistry } from "@exp/testing";
import { basicHeaderValue } from "./needles.js";

// Every way exp finds registry credentials (docker config auths, identity tokens, credential
// helpers), each set up with the suite's secrets, plus the broken configs whose errors must not
// quote them.

/** Every secret the suite puts in play, each distinctive and unique to this run. */
export interface Secrets {
  username: string;
  /** The basic-auth registry's password (htpasswd). */
  basicPassword: string;
  /** The token registry's password (its token issuer checks it). */
  tokenPassword: string;
  /** A refresh token the issuer minted: docker's `identitytoken`. */
  identityToken: string;
  /** An identity token no issuer knows. */
  bogusIdentityToken: string;
  /** Passwords that are wrong, used by the builds that must fail. */
  wrongPassword: string;
  /** The S3 secret access key Swift's tempauth expects. */
  s3Secret: string;
  s3SessionToken: string;
  wrongS3Secret: string;
  /** What the fake credential helper stores (and, when it fails, prints). */
  helperSecret: string;
}

/** Docker config directories (DOCKER_CONFIG), one per way of logging in. */
export interface DockerConfigs {
  /** `auth` (base64 user:password) for the basic registry, username/password for the token one. */
  good: string;
  /** An identity token for the token registry. */
  identity: string;
  /** Wrong passwords for both registries. */
  wrong: string;
  /** An identity token the issuer never issued. */
  bogusIdentity: string;
  /** credHelpers: a helper that answers for the basic registry, one that fails for the token registry. */
  helpers: string;
  /** Not JSON: cut off in the middle of the basic registry's password. */
  truncated: string;
  /** `auth` holding `user:password` in clear instead of base64. */
  plainAuth: string;
}

/** What `docker login` stores for a registry whose token server issues refresh tokens. */
export async function mintIdentityToken(registry: TestRegistry, username: string, password: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: "password", username, password, service: registry.tokenService!, client_id: "docker", access_type: "offline", scope: "" });
  const answer = (await (await fetch(registry.tokenRealm!, { method: "POST", body: form })).json()) as { refresh_token?: string };
  if (!answer.refresh_token) throw new Error("the token issuer gave no refresh token");
  return answer.refresh_token;
}

export async function writeDockerConfigs(
  root: string,
  w: { basic: TestRegistry; token: TestRegistry; echo: [basic: string, bearer: string, realm: string]; closedPort: number; secrets: Secrets },
): Promise<DockerConfigs> {
  const { basic, token, secrets: s } = w;
  const unreachable = `127.0.0.1:${w.closedPort}`;
  const files: Record<keyof DockerConfigs, unknown> = {
    good: {
      auths: {
        [basic.host]: { auth: basicHeaderValue(s.username, s.basicPassword) },
        [token.host]: { username: s.username, password: s.tokenPassword },
        [unreachable]: { auth: basicHeaderValue(s.username, s.basicPassword) },
        [w.echo[0]]: { auth: basicHeaderValue(s.username, s.basicPassword) },
        [w.echo[1]]: { username: s.username, password: s.tokenPassword },
        [w.echo[2]]: { username: s.username, password: s.tokenPassword },
      },
    },
    identity: { auths: { [token.host]: { identitytoken: s.identityToken }, [w.echo[2]]: { identitytoken: s.identityToken } } },
    wrong: {
      auths: {
        [basic.host]: { auth: basicHeaderValue(s.username, s.wrongPassword) },
        [token.host]: { username: s.username, password: s.wrongPassword },
      },
    },
    bogusIdentity: { auths: { [token.host]: { identitytoken: s.bogusIdentityToken } } },
    helpers: { credHelpers: { [basic.host]: "exp-secrets-ok", [token.host]: "exp-secrets-broken" } },
    // A config cut off in the middle of a password: the parse error must not quote the text.
    truncated: `{"auths":{"${basic.host}":{"username":"${s.username}","password":"${s.basicPassword.slice(0, 30)}`,
    // The classic mistake: "auth" holding user:password itself rather than its base64.
    plainAuth: { auths: { [basic.host]: { auth: `${s.username}:${s.basicPassword}` } } },
  };
  const out = {} as DockerConfigs;
  for (const [name, content] of Object.entries(files) as Array<[keyof DockerConfigs, unknown]>) {
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "config.json"), typeof content === "string" ? content : JSON.stringify(content, null, 2));
    out[name] = dir;
  }
  return out;
}

/**
 * Two docker credential helpers: `ok` answers with the basic registry's credentials, `broken`
 * fails the way real helpers do, echoing the secret it handled on stderr and stdout.
 */
export async function writeHelpers(bin: string, basicHost: string, username: string, password: string, secret: string): Promise<void> {
  const ok = join(bin, "docker-credential-exp-secrets-ok");
  const broken = join(bin, "docker-credential-exp-secrets-broken");
  const answer = JSON.stringify({ ServerURL: basicHost, Username: username, Secret: password });
  await writeFile(ok, `#!/bin/sh\ncat >/dev/null\nprintf '%s' '${answer}'\n`);
  await writeFile(
    broken,
    `#!/bin/sh\nread server\necho "error: keychain entry for $server holds ${secret} (password=${secret}) which was rejected" >&2\n` +
      `echo '{"Username":"${username}","Secret":"${secret}"}'\nexit 3\n`,
  );
  await Promise.all([chmod(ok, 0o755), chmod(broken, 0o755)]);
}
