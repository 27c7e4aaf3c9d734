import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface InspectedManifest {
  /** sha256 of the bytes the registry serves: the manifest's digest. */
  digest: string;
  manifest: { mediaType?: string; config?: { digest: string }; layers?: Array<{ digest: string; size: number }> };
}

/**
 * `skopeo inspect --raw` straight from the registry (never through a fault proxy), as an
 * independent client's view of what was pushed. `home` keeps skopeo away from the developer's
 * registry credentials and caches.
 */
export async function skopeoInspectRaw(reference: string, home: string, creds?: { username: string; password: string }): Promise<InspectedManifest> {
  const args = ["inspect", "--raw", "--tls-verify=false", ...(creds ? ["--creds", `${creds.username}:${creds.password}`] : []), `docker://${reference}`];
  const { stdout } = await run("skopeo", args, { encoding: "buffer", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home }, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
  return { digest: `sha256:${createHash("sha256").update(stdout).digest("hex")}`, manifest: JSON.parse(stdout.toString("utf8")) as InspectedManifest["manifest"] };
}

/**
 * `skopeo copy` of an image straight from the registry into an OCI layout: skopeo fetches every
 * blob and checks it against its digest, so this proves the layers are there and intact.
 */
export async function skopeoCopyToOci(reference: string, layout: string, home: string): Promise<void> {
  await run("skopeo", ["copy", "--quiet", "--src-tls-verify=false", `docker://${reference}`, `oci:${layout}:latest`], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });
}
