import { InvalidOptionError, MissingOptionError } from "@exp/errors";
import type { AttrReader, CacheMode } from "@exp/solver";

/** BuildKit's s3 cache keys (cache/remotecache/s3), with its defaults. */
export const s3Keys = [
  "bucket",
  "region",
  "prefix",
  "blobs_prefix",
  "manifests_prefix",
  "name",
  "endpoint_url",
  "use_path_style",
  "access_key_id",
  "secret_access_key",
  "session_token",
  "touch_refresh",
  "upload_parallelism",
  "mode",
  "ignore-error",
] as const;

export interface S3CacheOptions {
  bucket: string;
  region: string;
  prefix: string;
  blobsPrefix: string;
  manifestsPrefix: string;
  /** Manifest names; an export writes every one, an import reads the first. */
  names: string[];
  endpoint?: string;
  pathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  touchRefreshMs: number;
  uploadParallelism: number;
  mode: CacheMode;
  ignoreError: boolean;
}

/** Go-style durations as BuildKit takes them: "24h", "30m", "1h30m", "10s". */
export function parseDuration(text: string): number | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.reduce((total, p) => total + Number(p[1]) * unit[p[2]!]!, 0);
}

export function parseS3Options(reader: AttrReader, env: Readonly<Record<string, string | undefined>> = process.env): S3CacheOptions {
  const component = reader.component;
  const bucket = reader.string("bucket") ?? env.AWS_BUCKET;
  if (!bucket) throw new MissingOptionError(component, "bucket", "give bucket=<name> or set AWS_BUCKET");
  const region = reader.string("region") ?? env.AWS_REGION;
  if (!region) throw new MissingOptionError(component, "region", "give region=<region> or set AWS_REGION");
  const touchText = reader.string("touch_refresh") ?? "24h";
  const touchRefreshMs = parseDuration(touchText);
  if (touchRefreshMs === undefined) throw new InvalidOptionError(component, "touch_refresh", touchText, 'a duration such as "24h" or "30m"');
  const uploadParallelism = reader.int("upload_parallelism", { min: 1, max: 1024 }) ?? 4;
  const accessKeyId = reader.string("access_key_id");
  const secretAccessKey = reader.string("secret_access_key");
  const sessionToken = reader.string("session_token");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new InvalidOptionError(component, accessKeyId === undefined ? "secret_access_key" : "access_key_id", "(set)", "both access_key_id and secret_access_key, or neither (then the AWS SDK's credential chain is used)");
  }
  const endpoint = reader.string("endpoint_url");
  return {
    bucket,
    region,
    prefix: reader.string("prefix") ?? "",
    blobsPrefix: reader.string("blobs_prefix") ?? "blobs/",
    manifestsPrefix: reader.string("manifests_prefix") ?? "manifests/",
    names: (reader.string("name") ?? "buildkit").split(";").map((n) => n.trim()).filter(Boolean),
    ...(endpoint ? { endpoint } : {}),
    pathStyle: reader.bool("use_path_style", false),
    ...credentialsOf({ accessKeyId, secretAccessKey, sessionToken }, env),
    touchRefreshMs,
    uploadParallelism,
    mode: reader.oneOf("mode", ["min", "max"] as const, "min") as CacheMode,
    ignoreError: reader.bool("ignore-error", false),
  };
}

/**
 * The attributes' keys, else the environment's AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN (the first source of the SDK's own chain, read here from the build's
 * environment, which is not process.env for a build run in process), else none: the SDK's chain
 * (shared files, SSO, web identity, instance metadata) then reads the process's environment.
 */
function credentialsOf(
  attrs: { accessKeyId: string | undefined; secretAccessKey: string | undefined; sessionToken: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): { credentials?: NonNullable<S3CacheOptions["credentials"]> } {
  if (attrs.accessKeyId && attrs.secretAccessKey) {
    return { credentials: { accessKeyId: attrs.accessKeyId, secretAccessKey: attrs.secretAccessKey, ...(attrs.sessionToken ? { sessionToken: attrs.sessionToken } : {}) } };
  }
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (accessKeyId && secretAccessKey) return { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
  return {};
}
