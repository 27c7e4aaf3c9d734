import { AZURITE_INSTALL_HINT, azuriteAvailable, requireTools, startAzurite, startRegistry, startS3, SWIFT_TOOLS, type TestAzurite, type TestRegistry, type TestS3 } from "@exp/testing";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLinkHost, type LinkHost, type RemoteLink } from "./links.js";

/** A modelled CI uplink: every byte a scenario uploads to one destination goes through it. */
export interface LinkSpec {
  mibPerSecond: number;
  latencyMs: number;
}

export const defaultLink: LinkSpec = { mibPerSecond: 60, latencyMs: 20 };

export interface RigRegistry {
  server: TestRegistry;
  /** The throttled way in: push to `link.host`, never to the server directly. */
  link: RemoteLink;
}

export interface RigS3 {
  server: TestS3;
  link: RemoteLink;
  bucket: string;
}

export interface RigAzblob {
  server: TestAzurite;
  /** The throttled way in; the account URL through it is `${link.url}/devstoreaccount1` (Azurite's URLs are path-style). */
  link: RemoteLink;
}

export interface Rig {
  registries: RigRegistry[];
  s3?: RigS3;
  azblob?: RigAzblob;
  links: LinkHost;
  stop(): Promise<void>;
}

/**
 * Starts the real servers on loopback (distribution registries, Swift's s3api) and one link proxy
 * in front of each, in a separate process. Everything is stopped by `stop()`, also on failure.
 */
export async function startRig(options: { registries: number; s3?: boolean; azblob?: boolean; link?: LinkSpec; signal: AbortSignal; scenario: string; sharedUplink?: boolean }): Promise<Rig> {
  const needed = [...(options.registries > 0 ? ["docker-registry"] : []), ...(options.s3 ? SWIFT_TOOLS : [])];
  const tools = requireTools(needed);
  if (!tools.available) throw new Error(`pnpm bench ${options.scenario} needs ${tools.missing.join(", ")}: run bash scripts/setup.sh`);
  const link = options.link ?? defaultLink;
  const linkOptions = { bytesPerSecond: link.mibPerSecond * 1024 * 1024, latencyMs: link.latencyMs };
  // One runner uplink for every destination, or a link each (different networks, the seed's premise).
  const uplink = options.sharedUplink ? "uplink" : undefined;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const links = await startLinkHost();
    stops.push(() => links.stop());
    const registries: RigRegistry[] = [];
    for (let i = 0; i < options.registries; i++) {
      const server = await startRegistry({ signal: options.signal });
      stops.push(() => server.stop());
      registries.push({ server, link: await links.start({ target: server.url, link: linkOptions }, uplink) });
    }
    let s3: RigS3 | undefined;
    if (options.s3) {
      const bucket = options.scenario.replace(/[^a-z0-9-]/g, "-");
      const server = await startS3({ bucket, signal: options.signal });
      stops.push(() => server.stop());
      s3 = { server, bucket, link: await links.start({ target: server.endpoint, link: linkOptions, preserveHost: true }, uplink) };
    }
    let azblob: RigAzblob | undefined;
    if (options.azblob) {
      if (!azuriteAvailable()) throw new Error(`the ${options.scenario} scenario needs Azurite: ${AZURITE_INSTALL_HINT}`);
      const server = await startAzurite({ signal: options.signal });
      stops.push(() => server.stop());
      // Shared Key signs the path, not the Host: the link may rewrite it.
      azblob = { server, link: await links.start({ target: `http://${server.host}`, link: linkOptions }, uplink) };
    }
    return { registries, ...(s3 ? { s3 } : {}), ...(azblob ? { azblob } : {}), links, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A scenario's run with its rig and a scratch directory (`exp-bench-<scenario>-*`): both are
 * removed when `body` ends, however it ends (the directory also when the rig fails to start).
 */
export async function withRig<T>(options: Parameters<typeof startRig>[0], body: (rig: Rig, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `exp-bench-${options.scenario}-`));
  try {
    const rig = await startRig(options);
    try {
      return await body(rig, dir);
    } finally {
      await rig.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The link a scenario modelled, as every transfer scenario's results record it. */
export function linkFigures(link: LinkSpec = defaultLink): { link_mib_s: number; link_latency_ms: number } {
  return { link_mib_s: link.mibPerSecond, link_latency_ms: link.latencyMs };
}
