import { awsEnv, s3Spec } from "../support/specs.js";
import type { World } from "../support/world.js";
import { withFiles } from "./success.js";
import type { RunCase } from "./types.js";

/**
 * Builds that fail, or warn, because of credentials or an endpoint: error messages, `--debug`
 * stacks and causes, failed vertices in every progress mode and the history records they leave
 * are where a secret would surface.
 */
export function registryFailureCases(w: World): RunCase[] {
  const { basic, token, configs, context } = w;
  const f1 = withFiles(w, "wrong-basic");
  const f2 = withFiles(w, "echo");
  return [
    {
      name: "basic registry, wrong password, --debug, plain",
      argv: ["build", context, "-t", `${basic.host}/app:2`, "--push", "--progress", "plain", "--debug", ...f1.args],
      options: { dockerConfig: configs.wrong, files: f1.files },
      exit: 1,
      stderr: /answered 401/,
    },
    {
      name: "token registry, wrong password, rawjson, EXP_DEBUG=1",
      argv: ["build", context, "-t", `${token.host}/app:2`, "--push", "--progress", "rawjson"],
      options: { dockerConfig: configs.wrong, env: { EXP_DEBUG: "1" } },
      exit: 1,
      stderr: /token server .* rejected username .*HTTP 401/,
    },
    {
      name: "token registry, unknown identity token, tty, --debug",
      argv: ["build", context, "-t", `${token.host}/app:3`, "--push", "--progress", "tty", "--debug"],
      options: { dockerConfig: configs.bogusIdentity, isTTY: true },
      exit: 1,
      stderr: /rejected an identity token/,
    },
    {
      name: "credential helper fails and echoes its secret, --debug",
      argv: ["build", context, "-t", `${token.host}/app:4`, "--push", "--progress", "plain", "--debug"],
      options: { dockerConfig: configs.helpers },
      exit: 1,
      stderr: /docker-credential-exp-secrets-broken exited with code 3/,
    },
    {
      name: "unreachable registry with credentials, --debug",
      argv: ["build", context, "-t", `127.0.0.1:${w.closedPort}/app:1`, "--push", "--progress", "plain", "--debug"],
      options: { dockerConfig: configs.good },
      exit: 1,
      stderr: /ECONNREFUSED/,
    },
    {
      name: "registry cache-to, wrong password, EXP_DEBUG=1",
      argv: ["build", context, "--cache-to", `type=registry,ref=${basic.host}/app:cache2`, "--progress", "plain"],
      options: { dockerConfig: configs.wrong, env: { EXP_DEBUG: "1" } },
      exit: 1,
      stderr: /answered 401/,
    },
    {
      name: "registry cache-from, wrong password (a warning), rawjson",
      argv: ["build", context, "--cache-from", `type=registry,ref=${basic.host}/app:cache`, "--progress", "rawjson"],
      options: { dockerConfig: configs.wrong },
      exit: 0,
      stderr: /answered 401; building without this cache/,
    },
    {
      name: "registry echoes the Basic credentials in its 403, --debug",
      argv: ["build", context, "-t", `${w.echoBasic.host}/app:1`, "--push", "--progress", "plain", "--debug", ...f2.args],
      options: { dockerConfig: configs.good, files: f2.files },
      exit: 1,
      stderr: /answered 403/,
    },
    {
      name: "token server echoes the password it was sent, --debug",
      argv: ["build", context, "-t", `${w.echoRealm.host}/app:1`, "--push", "--progress", "plain", "--debug"],
      options: { dockerConfig: configs.good },
      exit: 1,
      stderr: /token server .* rejected username/,
    },
    {
      name: "token server echoes the identity token it was sent, tty, --debug",
      argv: ["build", context, "-t", `${w.echoRealm.host}/app:2`, "--push", "--progress", "tty", "--debug"],
      options: { dockerConfig: configs.identity, isTTY: true },
      exit: 1,
      stderr: /rejected an identity token/,
    },
    {
      name: "docker config cut off in a password, --debug",
      argv: ["build", context, "-t", `${basic.host}/app:5`, "--push", "--progress", "plain", "--debug"],
      options: { dockerConfig: configs.truncated },
      exit: 1,
      stderr: /is not valid JSON/,
    },
    {
      name: "docker config auth with user:password in clear, EXP_DEBUG=1",
      argv: ["build", context, "-t", `${basic.host}/app:6`, "--push", "--progress", "rawjson"],
      options: { dockerConfig: configs.plainAuth, env: { EXP_DEBUG: "1" } },
      exit: 1,
      stderr: /auth is not valid base64/,
    },
    {
      name: "registry echoes the bearer token in its 403, rawjson, EXP_DEBUG=1",
      argv: ["build", context, "--cache-to", `type=registry,ref=${w.echoBearer.host}/app:cache`, "--progress", "rawjson"],
      options: { dockerConfig: configs.good, env: { EXP_DEBUG: "1" } },
      exit: 1,
      stderr: /answered 403/,
    },
  ];
}

export function s3FailureCases(w: World): RunCase[] {
  const { context, secrets: s } = w;
  return [
    {
      name: "S3 wrong secret + session token attrs, --debug, tty",
      argv: ["build", context, "--cache-to", s3Spec(w, { secret: s.wrongS3Secret, sessionToken: s.s3SessionToken }), "--progress", "tty", "--debug"],
      options: { isTTY: true },
      exit: 1,
      stderr: /Forbidden \(HTTP 403\)/,
    },
    {
      // A GET's 403 body is SignatureDoesNotMatch with the canonical request, session token included.
      name: "S3 cache-from, wrong secret + session token (a warning), rawjson, --debug",
      argv: ["build", context, "--cache-from", s3Spec(w, { secret: s.wrongS3Secret, sessionToken: s.s3SessionToken }), "--progress", "rawjson", "--debug"],
      exit: 0,
      stderr: /SignatureDoesNotMatch \(HTTP 403\)/,
    },
    {
      name: "S3 wrong secret + session token from env, EXP_DEBUG=1",
      argv: ["build", context, "--cache-to", s3Spec(w, {}), "--progress", "plain"],
      options: { processEnv: awsEnv(w, s.wrongS3Secret, s.s3SessionToken), env: { EXP_DEBUG: "1" } },
      exit: 1,
      stderr: /HTTP 403/,
    },
    {
      name: "S3 unreachable endpoint with keys, --debug",
      argv: ["build", context, "--cache-to", s3Spec(w, { secret: s.s3Secret, sessionToken: s.s3SessionToken, endpoint: `http://127.0.0.1:${w.closedPort}` }), "--progress", "plain", "--debug"],
      exit: 1,
      stderr: /ECONNREFUSED/,
    },
  ];
}

/** Mistakes on the command line next to a secret: the message quotes what was typed. */
export function usageCases(w: World): RunCase[] {
  const { context, secrets: s } = w;
  return [
    {
      name: "spec syntax error next to secret_access_key",
      argv: ["build", context, "--cache-to", `${s3Spec(w, { secret: s.s3Secret, sessionToken: s.s3SessionToken })},"bad`],
      exit: 2,
      stderr: /unterminated quoted field/,
    },
    {
      name: "spec without type= next to secrets",
      argv: ["build", context, "--cache-from", `bucket=b,secret_access_key=${s.s3Secret},session_token=${s.s3SessionToken}`],
      exit: 2,
      stderr: /type is required/,
    },
    {
      name: "-o spec with a bare field next to a password attr",
      argv: ["build", context, "-o", `type=registry,name=${w.basic.host}/x:1,password=${s.basicPassword},oops`],
      exit: 2,
      stderr: /invalid field "oops"/,
    },
    {
      name: "bad attribute value next to a secret, --debug",
      argv: ["build", context, "--cache-to", s3Spec(w, { secret: s.s3Secret }, { upload_parallelism: "zero" }), "--debug"],
      exit: 1,
      stderr: /upload_parallelism/,
    },
    {
      name: "unknown attribute next to a secret, --debug",
      argv: ["build", context, "--cache-to", s3Spec(w, { secret: s.s3Secret }, { "secret_acces_key": s.s3Secret }), "--debug"],
      exit: 1,
      stderr: /secret_acces_key/,
    },
    {
      name: "secret_access_key without access_key_id, --debug",
      argv: ["build", context, "--cache-to", `type=s3,bucket=b,region=r,secret_access_key=${s.s3Secret}`, "--debug"],
      exit: 1,
      stderr: /both access_key_id and secret_access_key/,
    },
    {
      name: "password attr an exporter does not know, --debug",
      argv: ["build", context, "-o", `type=registry,name=${w.basic.host}/x:1,password=${s.basicPassword}`, "--debug"],
      exit: 1,
      stderr: /password/,
    },
  ];
}
