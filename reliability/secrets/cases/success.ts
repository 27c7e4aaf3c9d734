import { awsEnv, outputsOf, s3Spec } from "../support/specs.js";
import type { World } from "../support/world.js";
import type { RunCase } from "./types.js";

/** `--metadata-file` and `--trace` for a run, and the files to scan after it. */
export function withFiles(w: World, run: string): { args: string[]; files: string[] } {
  const o = outputsOf(w, run);
  return { args: ["--metadata-file", o.metadata, "--trace", o.trace], files: [o.metadata, o.trace] };
}

/** Pushes and pulls with every way of logging in, in every progress mode. */
export function registryCases(w: World): RunCase[] {
  const { basic, token, configs, context } = w;
  const f1 = withFiles(w, "push-basic");
  const f2 = withFiles(w, "push-token");
  const f3 = withFiles(w, "identity");
  const local = outputsOf(w, "local-outputs");
  return [
    {
      // Issue 15: the attestations pushed with it (max provenance records the request) are scanned with the registry's storage.
      name: "push to basic registry (config auth) + registry cache + max provenance and SBOM, plain",
      argv: ["build", context, "-t", `${basic.host}/app:1`, "--push", "--cache-to", `type=registry,ref=${basic.host}/app:cache,mode=max`, "--provenance", "mode=max", "--sbom", "true", "--progress", "plain", ...f1.args],
      options: { dockerConfig: configs.good, files: f1.files },
      exit: 0,
    },
    {
      name: "push to token registry (password grant) + inline and registry cache, rawjson",
      argv: ["build", context, "-t", `${token.host}/app:1`, "--push", "--cache-to", "type=inline", "--cache-to", `type=registry,ref=${token.host}/app:cache,mode=max`, "--progress", "rawjson", ...f2.args],
      options: { dockerConfig: configs.good, files: f2.files },
      exit: 0,
    },
    {
      name: "identity token: pull base image, cache-from, push, tty",
      argv: ["build", w.pullContext, "-o", `type=registry,name=${token.host}/pulled:1`, "--cache-from", `type=registry,ref=${token.host}/app:cache`, "--progress", "tty", ...f3.args],
      options: { dockerConfig: configs.identity, isTTY: true, files: f3.files },
      exit: 0,
    },
    {
      name: "credential helper push, auto (not a TTY)",
      argv: ["build", context, "-o", `type=registry,name=${basic.host}/helper:1`, "--progress", "auto"],
      options: { dockerConfig: configs.helpers },
      exit: 0,
    },
    {
      // The outputs carry max provenance and an SBOM (statements in the layout and archive, files in the directory), scanned with the world.
      name: "registry cache-from into oci layout, oci tar and local dir, with attestations, EXP_DEBUG=1",
      argv: ["build", context, "--cache-from", `type=registry,ref=${basic.host}/app:cache`, "-o", `type=oci,tar=false,dest=${local.layout}`, "-o", `type=oci,dest=${local.archive}`, "-o", `type=local,dest=${local.local}`, "--attest", "type=provenance,mode=max", "--sbom", "true", "--progress", "plain"],
      options: { dockerConfig: configs.good, env: { EXP_DEBUG: "1" } },
      exit: 0,
    },
  ];
}

/** The S3 cache with its keys as attributes, from the environment, and with session tokens. */
export function s3Cases(w: World): RunCase[] {
  const { context, secrets: s } = w;
  const f1 = withFiles(w, "s3-attrs");
  const f2 = withFiles(w, "s3-env");
  const f3 = withFiles(w, "s3-session");
  const localCache = outputsOf(w, "s3-to-local").cache;
  return [
    {
      name: "S3 cache-to, keys as attrs, --debug, plain",
      argv: ["build", context, "--cache-to", s3Spec(w, { secret: s.s3Secret }, { mode: "max" }), "--progress", "plain", "--debug", ...f1.args],
      options: { files: f1.files },
      exit: 0,
      stderr: /cache:s3/,
    },
    {
      name: "S3 cache-from (attrs) + cache-to (AWS_* env), -q, EXP_DEBUG=1",
      argv: ["build", context, "--cache-from", s3Spec(w, { secret: s.s3Secret }), "--cache-to", s3Spec(w, {}, { name: "from-env" }), "-q", ...f2.args],
      options: { processEnv: awsEnv(w, s.s3Secret), env: { EXP_DEBUG: "1" }, files: f2.files },
      exit: 0,
    },
    {
      name: "S3 cache-to with session_token attr, rawjson",
      argv: ["build", context, "--cache-to", s3Spec(w, { secret: s.s3Secret, sessionToken: s.s3SessionToken }, { name: "session" }), "--progress", "rawjson", ...f3.args],
      options: { files: f3.files },
      exit: 0,
    },
    {
      name: "S3 cache-to with AWS_SESSION_TOKEN env, tty",
      argv: ["build", context, "--cache-to", s3Spec(w, {}, { name: "session-env" }), "--progress", "tty"],
      options: { processEnv: awsEnv(w, s.s3Secret, s.s3SessionToken), isTTY: true },
      exit: 0,
      stderr: /cache:s3/,
    },
    {
      name: "S3 cache-from (session token) into a local cache, plain",
      argv: ["build", context, "--cache-from", s3Spec(w, { secret: s.s3Secret, sessionToken: s.s3SessionToken }, { name: "session" }), "--cache-to", `type=local,dest=${localCache},mode=max`, "--progress", "plain"],
      exit: 0,
      stderr: /importing cache manifest from s3:/,
    },
  ];
}
