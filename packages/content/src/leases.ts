import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { parseDigest, type Digest } from "@exp/oci-spec";
import { createEmptyFile, fsyncDir, writeFileAtomic } from "./atomic-write.js";
import { InvalidArgumentError, LeaseExistsError, LeaseNotFoundError } from "./errors.js";
import { hasCode, isNotFound, listDir, removeFile, removeTree } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { checkName, digestFileName, digestFromFileName } from "./names.js";
import { checkDate, checkLabels, readJsonRecord, recordDate, recordLabels, recordOptionalDate, recordString } from "./records.js";
import { tempToken } from "./temp-files.js";
import type { Lease, LeaseResource } from "./types.js";

// A lease is a directory: lease.json plus resources/ with one file per held blob. Adding a
// resource is one file create and never rewrites the lease, so concurrent addResource calls
// (parallel layer pulls) need no read-modify-write. Creating and releasing a lease are each one
// directory rename, so a crash leaves the lease wholly there or wholly gone.

const leaseFile = "lease.json";
const resourcesDir = "resources";

export function isExpired(lease: Lease, now: Date = new Date()): boolean {
  return lease.expiresAt !== undefined && lease.expiresAt.getTime() <= now.getTime();
}

export interface CreateLeaseOptions {
  id?: string;
  labels?: Record<string, string>;
  expiresAt?: Date;
  signal?: AbortSignal;
}

export async function createLease(layout: Layout, options: CreateLeaseOptions = {}): Promise<Lease> {
  const id = options.id === undefined ? `lease-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}` : checkName("lease id", options.id);
  const lease: Lease = { id, createdAt: new Date(), labels: checkLabels("lease labels", options.labels) };
  if (options.expiresAt !== undefined) lease.expiresAt = checkDate("lease expiresAt", options.expiresAt);
  throwIfAborted(options.signal, `creating lease ${JSON.stringify(id)}`);

  // Build the whole lease in a hidden temp directory, then rename it into place: rename onto an
  // existing (non-empty) lease directory fails, which makes "create" atomic and exclusive.
  const temp = join(layout.leasesDir, `.tmp-${tempToken()}`);
  try {
    await mkdir(join(temp, resourcesDir), { recursive: true });
    const handle = await open(join(temp, leaseFile), "wx", 0o644);
    try {
      await handle.writeFile(JSON.stringify(serializeLease(lease)) + "\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsyncDir(join(temp, resourcesDir));
    await fsyncDir(temp);
    const target = layout.leaseDir(id);
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(temp, target);
        break;
      } catch (error) {
        if (!hasCode(error, "ENOTEMPTY", "EEXIST") || attempt > 0) throw error;
        // An expired lease with this id is as good as gone; anything else is a live lease.
        const existing = await readLease(layout, id);
        if (existing && !isExpired(existing)) throw new LeaseExistsError(id);
        await releaseLease(layout, id);
      }
    }
    await fsyncDir(layout.leasesDir);
  } finally {
    await removeTree(temp);
  }
  return lease;
}

function serializeLease(lease: Lease): Record<string, unknown> {
  return {
    id: lease.id,
    createdAt: lease.createdAt.toISOString(),
    ...(lease.expiresAt ? { expiresAt: lease.expiresAt.toISOString() } : {}),
    labels: lease.labels,
  };
}

/** The lease as stored, expired or not; undefined when there is none. */
export async function readLease(layout: Layout, id: string): Promise<Lease | undefined> {
  return readLeaseAt(join(layout.leaseDir(id), leaseFile));
}

async function readLeaseAt(path: string): Promise<Lease | undefined> {
  const record = await readJsonRecord(path);
  if (!record) return undefined;
  const lease: Lease = { id: recordString(path, record, "id"), createdAt: recordDate(path, record, "createdAt"), labels: recordLabels(path, record.labels) };
  const expiresAt = recordOptionalDate(path, record, "expiresAt");
  if (expiresAt) lease.expiresAt = expiresAt;
  return lease;
}

/** The lease when it exists and has not expired; the lease APIs treat an expired lease as gone. */
export async function getLiveLease(layout: Layout, id: string, now: Date = new Date()): Promise<Lease | undefined> {
  const lease = await readLease(layout, checkName("lease id", id));
  return lease && !isExpired(lease, now) ? lease : undefined;
}

async function requireLiveLease(layout: Layout, id: string): Promise<Lease> {
  const lease = await readLease(layout, checkName("lease id", id));
  if (!lease) throw new LeaseNotFoundError(id);
  if (isExpired(lease)) throw new LeaseNotFoundError(id, lease.expiresAt);
  return lease;
}

export function toLeaseResource(resource: Digest | { digest: Digest; mediaType?: string }): LeaseResource {
  const value = typeof resource === "string" ? { digest: resource } : resource;
  if (typeof value !== "object" || value === null || typeof value.digest !== "string") {
    throw new InvalidArgumentError("lease resource", resource, 'a digest or { digest, mediaType? }');
  }
  parseDigest(value.digest);
  if (value.mediaType !== undefined && typeof value.mediaType !== "string") throw new InvalidArgumentError("lease resource mediaType", value.mediaType, "a string");
  return value.mediaType === undefined ? { digest: value.digest } : { digest: value.digest, mediaType: value.mediaType };
}

/**
 * Records that the lease holds `resource`. Durable when it returns (the resources directory is
 * fsynced), which is what lets ingest add a blob to its lease before the blob becomes visible.
 */
export async function addLeaseResource(layout: Layout, id: string, resource: LeaseResource, signal?: AbortSignal): Promise<void> {
  await requireLiveLease(layout, id);
  throwIfAborted(signal, `adding ${resource.digest} to lease ${JSON.stringify(id)}`);
  const path = join(layout.leaseDir(id), resourcesDir, digestFileName(resource.digest));
  try {
    if (resource.mediaType === undefined) {
      // Keeps a media type recorded earlier: a later plain add must not forget it.
      await createEmptyFile(path);
    } else if ((await readResourceMediaType(path)) !== resource.mediaType) {
      await writeFileAtomic(path, JSON.stringify({ mediaType: resource.mediaType }) + "\n");
    }
  } catch (error) {
    // The directory vanished under us: the lease was released concurrently.
    if (isNotFound(error)) throw new LeaseNotFoundError(id);
    throw error;
  }
}

/** Idempotent: removing a resource the lease does not hold, or from a lease that is gone, does nothing. */
export async function removeLeaseResource(layout: Layout, id: string, digest: Digest): Promise<void> {
  checkName("lease id", id);
  await removeFile(join(layout.leaseDir(id), resourcesDir, digestFileName(digest)));
}

export async function requireLeaseResources(layout: Layout, id: string): Promise<LeaseResource[]> {
  await requireLiveLease(layout, id);
  return readLeaseResources(layout, id);
}

export async function readLeaseResources(layout: Layout, id: string): Promise<LeaseResource[]> {
  const dir = join(layout.leaseDir(id), resourcesDir);
  const resources: LeaseResource[] = [];
  for (const name of (await listDir(dir)).sort()) {
    const digest = digestFromFileName(name); // temp files start with "." and are not digests
    if (!digest) continue;
    const mediaType = await readResourceMediaType(join(dir, name));
    resources.push(mediaType === undefined ? { digest } : { digest, mediaType });
  }
  return resources;
}

async function readResourceMediaType(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  if (text.trim() === "") return undefined;
  try {
    const value = JSON.parse(text) as { mediaType?: unknown };
    return typeof value.mediaType === "string" ? value.mediaType : undefined;
  } catch {
    // An unreadable media type only costs GC the ability to follow this blob's references via the
    // lease; the blob itself stays held, which is what matters.
    return undefined;
  }
}

/**
 * Removes the lease: one rename into meta/trash (atomic: the lease is there or gone), then the
 * tree is deleted at leisure. Returns false when there was no lease.
 */
export async function releaseLease(layout: Layout, id: string): Promise<boolean> {
  checkName("lease id", id);
  const dir = layout.leaseDir(id);
  const trash = join(layout.trashDir, `${tempToken()}`);
  try {
    await rename(dir, trash);
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  await fsyncDir(layout.leasesDir);
  await removeTree(trash);
  return true;
}

/** Every lease on disk, expired ones included (callers filter), oldest first. */
export async function listAllLeases(layout: Layout): Promise<Lease[]> {
  const leases: Lease[] = [];
  for (const name of await listDir(layout.leasesDir)) {
    if (name.startsWith(".")) continue; // a lease being created
    const lease = await readLeaseAt(join(layout.leasesDir, name, leaseFile));
    if (lease) leases.push(lease);
  }
  return leases.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
