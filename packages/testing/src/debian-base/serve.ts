import type { TestRegistry } from "../registry.js";
import { runTool } from "../run-tool.js";
import { assertTools } from "../tools.js";
import { DEBIAN_BASE_TAG, debianBaseImage } from "./image.js";

/**
 * Copies the Debian base (debianBaseImage) into a running test registry with skopeo and returns
 * its reference, `<host>/<repository>:bookworm-min` (repository default "debian"). Works with
 * every kind of test registry: plain HTTP, TLS (its certDir), Basic or token auth (its credentials).
 */
export async function serveDebianBase(registry: TestRegistry, options: { repository?: string; signal?: AbortSignal } = {}): Promise<string> {
  assertTools(["skopeo"], "serveDebianBase");
  const base = await debianBaseImage(options);
  const reference = `${registry.host}/${options.repository ?? "debian"}:${DEBIAN_BASE_TAG}`;
  const args = ["copy", "--quiet"];
  if (registry.scheme === "http") args.push("--dest-tls-verify=false");
  if (registry.certDir) args.push("--dest-cert-dir", registry.certDir);
  if (registry.username !== undefined) args.push("--dest-creds", `${registry.username}:${registry.password ?? ""}`);
  args.push(`oci:${base.ociRef}`, `docker://${reference}`);
  await runTool("skopeo", args, { signal: options.signal, timeoutMs: 5 * 60_000 });
  return reference;
}
