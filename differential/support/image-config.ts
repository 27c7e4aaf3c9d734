import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { runTool } from "@exp/testing";

/** The image config fields a container sees (OCI's `config`, plus Docker's OnBuild). */
export const CONTAINER_FIELDS = ["Env", "Entrypoint", "Cmd", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal", "OnBuild"] as const;
export type ContainerField = (typeof CONTAINER_FIELDS)[number];
export type ContainerConfig = Partial<Record<ContainerField, unknown>>;

export interface ConfigDifference {
  field: ContainerField;
  a: string;
  b: string;
}

/** The config blob of the image tagged `tag` in an OCI layout. */
export async function readLayoutConfig(layout: string, tag: string): Promise<Record<string, unknown>> {
  const blob = async (digest: string) => JSON.parse(await readFile(join(layout, "blobs", ...digest.split(":")), "utf8"));
  const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
  type Desc = { digest: string; mediaType?: string; annotations?: Record<string, string> };
  const entry = (index.manifests as Desc[]).find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === tag);
  if (!entry) throw new Error(`no image tagged ${tag} in ${layout}/index.json`);
  let manifest = await blob(entry.digest);
  // An index (several platforms): take linux/amd64, the only platform the cases build.
  if (manifest.manifests) manifest = await blob((manifest.manifests as Array<Desc & { platform?: { architecture?: string } }>).find((m) => m.platform?.architecture === "amd64")!.digest);
  return blob(manifest.config.digest);
}

/** The config blob of an image in a registry (plain HTTP), as stored (`--raw`: not converted to OCI, which drops OnBuild). */
export async function readRegistryConfig(reference: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
  return JSON.parse(await runTool("skopeo", ["inspect", "--raw", "--config", "--tls-verify=false", `docker://${reference}`], signal ? { signal } : {}));
}

/**
 * The container-visible fields of a config. null, [] and {} count as unset: BuildKit marshals
 * them with omitempty (moby's dockerspec), buildah writes some as null, so only presence with a
 * value is meaningful. Labels are compared whole: buildah stamps `io.buildah.version` into every
 * image, and the Debian base (made by buildah) carries it, so on the base both builders have the
 * same stamp; only a FROM scratch case sees buildah add it (declared there).
 */
export function containerConfig(config: Record<string, unknown>): ContainerConfig {
  const inner = (config.config ?? config.Config ?? {}) as Record<string, unknown>;
  const out: ContainerConfig = {};
  for (const field of CONTAINER_FIELDS) {
    const value = inner[field];
    if (value === null || value === undefined || value === "") continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0) continue;
    out[field] = value;
  }
  return out;
}

/**
 * Field by field, as JSON; empty when the same. Objects (ExposedPorts, Volumes, Labels) are maps
 * to a container: their keys are compared sorted (Go, and so BuildKit, writes them sorted anyway);
 * arrays (Env, Cmd, Entrypoint, OnBuild) keep their order, which matters.
 */
export function diffConfigs(a: ContainerConfig, b: ContainerConfig): ConfigDifference[] {
  const out: ConfigDifference[] = [];
  for (const field of CONTAINER_FIELDS) {
    const va = canonicalJson(a[field]) ?? "unset";
    const vb = canonicalJson(b[field]) ?? "unset";
    if (va !== vb) out.push({ field, a: va, b: vb });
  }
  return out;
}

function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) : v,
  );
}
