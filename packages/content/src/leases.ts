import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import { parseDigest, type Digest } from "@exp/oci-spec";
import { createEmptyFile, writeFileAtomic } from "./atomic-write.js";
import { bootStartedAt } from "./boot.js";
import { CorruptMetadataError, InvalidArgumentError, LeaseExistsError, LeaseNotFoundError } from "./errors.js";
import { hasCode, isNotFound, listDir, removeFile, removeTree } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { checkName, digestFileName, digestFromFileName } from "./names.js";
import { checkDate, checkLabels, readJsonRecord, recordDate, recordLabels, recordOptionalDate, recordString } from "./records.js";
import { currentHolder, holderIsGone, type LeaseHolder } from "./lease-holder.js";
import { tempToken } from "./temp-files.js";
import type { Lease, LeaseResource } from "./types.js";

// A lease is a directory: lease.json plus resources/ with one file per held blob. Adding a
// resource is one file create and never rewrites the lease, so concurrent addResource calls
// (parallel layer pulls) need no read-modify-write. Creating and releasing a lease are each one
// directory rename, so every process sees the lease wholly there or wholly gone.
//
// Nothing here is fsynced. A lease belongs to a live process; after a machine crash its holder is
// gone, so losing a lease, a resource entry or a release in the crash only decides whether some
// garbage is collected now or when the lease expires (or is released by hand) — never whether live
// content is. What GC safety across processes does need is *visibility order*: a resource entry
// must exist before its blob is linked into blobs/, and a create() is visible to every process the
// moment it returns, durable or not. A crash can also leave a lease record torn (empty or cut
// short); such a record predates the current boot, and is treated as the lease being gone
// (readLeaseAt), so a crash cannot wedge GC on ERR_CORRUPT_METADATA.

const leaseFile = "lease.json";
const resourcesDir = "resources";

/** Expired, or (for a lease held by a process) its holder is gone: either way it holds nothing. */
export function isExpired(lease: Lease, now: Date = new Date()): boolean {
  if (lease.expiresAt !== undefined && lease.expiresAt.getTime() <= now.getTime()) return true;
  return lease.holder !== undefined && holderIsGone(lease.holder, lease.createdAt);
}

export interface CreateLeaseOptions {
  id?: string;
  labels?: Record<string, string>;
  expiresAt?: Date;
  /**
   * Whether the lease dies with this process. Default: yes, unless it has an expiry of its own. A
   * process killed before it released its leases then leaves nothing pinned.
   */
  heldByProcess?: boolean;
  signal?: AbortSignal;
}

export async function createLease(layout: Layout, options: CreateLeaseOptions = {}): Promise<Lease> {
  const id = options.id === undefined ? `lease-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}` : checkName("lease id", options.id);
  const lease: Lease = { id, createdAt: new Date(), labels: checkLabels("lease labels", options.labels) };
  if (options.expiresAt !== undefined) lease.expiresAt = checkDate("lease expiresAt", options.expiresAt);
  if (options.heldByProcess ?? options.expiresAt === undefined) lease.holder = currentHolder();
  throwIfAborted(options.signal, `creating lease ${JSON.stringify(id)}`);

  // Build the whole lease in a hidden temp directory, then rename it into place: rename onto an
  // existing (non-empty) lease directory fails, which makes "create" atomic and exclusive.
  const temp = join(layout.leasesDir, `.tmp-${tempToken()}`);
  try {
    // No fsync of the record or of any directory (dropped): see the top of this file.
    await mkdir(join(temp, resourcesDir), { recursive: true });
    await writeFile(join(temp, leaseFile), JSON.stringify(serializeLease(lease)) + "\n", { flag: "wx", mode: 0o644 });
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
    ...(lease.holder ? { holder: lease.holder } : {}),
  };
}

/** The lease as stored, expired or not; undefined when there is none. */
export async function readLease(layout: Layout, id: string): Promise<Lease | undefined> {
  return readLeaseIn(layout.leaseDir(id));
}

/** The lease whose directory is `dir` (see readLeaseAt for what counts as gone). */
export async function readLeaseIn(dir: string): Promise<Lease | undefined> {
  return readLeaseAt(join(dir, leaseFile));
}

/**
 * The lease in its record file. A record that cannot be read and was last written before the
 * current boot is crash debris (records are written without fsync): its holder died in the crash,
 * so the lease counts as gone. An unreadable record from this boot cannot come from a crash and
 * is reported as corrupt, which stops GC rather than risk collecting what it held.
 */
async function readLeaseAt(path: string): Promise<Lease | undefined> {
  try {
    const record = await readJsonRecord(path);
    if (!record) return undefined;
    const lease: Lease = { id: recordString(path, record, "id"), createdAt: recordDate(path, record, "createdAt"), labels: recordLabels(path, record.labels) };
    const expiresAt = recordOptionalDate(path, record, "expiresAt");
    if (expiresAt) lease.expiresAt = expiresAt;
    const holder = recordHolder(record.holder);
    if (holder) lease.holder = holder;
    return lease;
  } catch (error) {
    if (error instanceof CorruptMetadataError && (await writtenBeforeBoot(path))) return undefined;
    throw error;
  }
}

/** A holder as recorded; anything malformed is ignored (the lease then waits for expiry or release). */
function recordHolder(value: unknown): LeaseHolder | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { pid, host, start } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0 || typeof host !== "string") return undefined;
  return { pid: pid as number, host, ...(typeof start === "string" ? { start } : {}) };
}

async function writtenBeforeBoot(path: string): Promise<boolean> {
  try {
    // A second of slack for the resolution of uptime; erring late only keeps reporting corruption.
    return (await stat(path)).mtimeMs < bootStartedAt() - 1000;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
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
 * Records that the lease holds `resource`. Visible to every process when it returns, which is what
 * lets ingest add a blob to its lease before linking the blob into blobs/: a GC in another process
 * that lists the blob reads the leases after that, so it sees the entry. Not durable (fsync
 * dropped): an entry lost in a machine crash belonged to a holder that died in it.
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
      // Atomic (readers never see half a record) but not durable; a torn one after a crash just
      // reads as "no media type" (readResourceMediaType), and its holder is gone anyway.
      await writeFileAtomic(path, JSON.stringify({ mediaType: resource.mediaType }) + "\n", { durable: false });
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
  return readLeaseResourcesIn(layout.leaseDir(id));
}

/** The resources held by the lease whose directory is `leaseDir`. */
export async function readLeaseResourcesIn(leaseDir: string): Promise<LeaseResource[]> {
  const dir = leaseResourcesDir(leaseDir);
  const resources: LeaseResource[] = [];
  for (const name of (await listDir(dir)).sort()) {
    const digest = digestFromFileName(name); // temp files start with "." and are not digests
    if (!digest) continue;
    const mediaType = await readResourceMediaType(join(dir, name));
    resources.push(mediaType === undefined ? { digest } : { digest, mediaType });
  }
  return resources;
}

/** Where a lease directory keeps its resource entries (and the temp files of entries being written). */
export function leaseResourcesDir(leaseDir: string): string {
  return join(leaseDir, resourcesDir);
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
  // No fsync of leases/ (dropped): a release undone by a machine crash brings the lease back
  // holding what it held, like every lease that was live at the crash — space held until it
  // expires or is released again, never content lost.
  await removeTree(trash);
  return true;
}

/**
 * Removes lease directories a machine crash left without a readable record: torn (see
 * readLeaseAt), or missing (a lease directory is only ever renamed into place complete). Called by
 * gc; the lease APIs already treat these as gone. Only directories from before the current boot
 * qualify, so a lease created under the same id meanwhile (whose directory is new) is never taken.
 */
export async function removeLeaseDebris(layout: Layout): Promise<void> {
  for (const name of await listDir(layout.leasesDir)) {
    if (name.startsWith(".")) continue; // a lease being created
    const dir = join(layout.leasesDir, name);
    if (!(await writtenBeforeBoot(dir))) continue;
    if ((await readLeaseAt(join(dir, leaseFile))) !== undefined) continue;
    const trash = join(layout.trashDir, `${tempToken()}`);
    try {
      await rename(dir, trash);
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    await removeTree(trash);
  }
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
