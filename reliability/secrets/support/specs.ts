import { join } from "node:path";
import type { World } from "./world.js";

/** `--cache-to`/`--cache-from type=s3,...` for the world's Swift, with the given credentials (none: the SDK's chain, i.e. AWS_* from the environment). */
export function s3Spec(w: World, credentials: { secret?: string; sessionToken?: string; endpoint?: string } = {}, extra: Record<string, string> = {}): string {
  const attrs: Record<string, string> = {
    type: "s3",
    bucket: w.bucket,
    region: w.s3.region,
    endpoint_url: credentials.endpoint ?? w.s3.endpoint,
    use_path_style: "true",
    ...(credentials.secret === undefined ? {} : { access_key_id: w.s3.accessKeyId, secret_access_key: credentials.secret }),
    ...(credentials.sessionToken === undefined ? {} : { session_token: credentials.sessionToken }),
    ...extra,
  };
  return Object.entries(attrs)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}

/** AWS_* variables for the SDK's environment credentials. */
export function awsEnv(w: World, secret: string, sessionToken?: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: w.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secret,
    ...(sessionToken ? { AWS_SESSION_TOKEN: sessionToken } : {}),
    // Nothing but the environment: no profile file, no instance metadata probe.
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(w.home, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(w.home, "no-aws-credentials"),
  };
}

/** Per-run output files: metadata, trace, and export destinations, all under the world's out/. */
export function outputsOf(w: World, run: string) {
  const dir = join(w.outputs, run);
  return {
    dir,
    metadata: join(dir, "metadata.json"),
    trace: join(dir, "trace.json"),
    layout: join(dir, "layout"),
    local: join(dir, "local"),
    archive: join(dir, "image.tar"),
    cache: join(dir, "cache"),
  };
}
