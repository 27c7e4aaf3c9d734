import { join } from "node:path";
import { throwIfAborted } from "@exp/errors";
import type { BlobSizes } from "./check-blobs.js";
import { noteTempFile } from "./check-leftovers.js";
import type { CheckLog } from "./check-report.js";
import { CorruptMetadataError } from "./errors.js";
import { listDir } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { isExpired, leaseResourcesDir, readLeaseIn, readLeaseResourcesIn } from "./leases.js";
import { fileNameFor } from "./names.js";
import type { Lease } from "./types.js";

/**
 * The lease directories. A lease that names a blob the store does not have is normal, not a
 * fault: ingest adds the blob to its lease *before* linking it into blobs/ (so a gc in another
 * process cannot take it), and a writer killed in between leaves exactly that. Such a lease keeps
 * nothing alive that is not there and goes when it expires or is released. A lease record that
 * does not parse is a fault unless it predates this boot (then the store treats the lease as gone:
 * only a machine crash tears a record that is written without fsync).
 */
export async function checkLeases(layout: Layout, blobs: BlobSizes, log: CheckLog, signal: AbortSignal | undefined): Promise<void> {
  const now = new Date();
  for (const name of (await listDir(layout.leasesDir)).sort()) {
    throwIfAborted(signal, "checking the content store");
    if (name.startsWith(".")) continue; // a lease being created: its temp directory, see checkLeftovers
    const dir = join(layout.leasesDir, name);
    const lease = await readLease(dir, log);
    if (lease === "corrupt") continue;
    if (!lease) {
      log.note("lease directories without a readable record (crash debris, read as no lease; gc removes those from before this boot)", dir);
      continue;
    }
    if (fileNameFor(lease.id) !== name) {
      // The store finds a lease by its id's file name, so this one can be neither found nor released.
      log.fault({ code: "BAD_METADATA", path: join(dir, "lease.json"), message: `lease record in ${dir} has the id ${JSON.stringify(lease.id)}; expected it in the directory ${fileNameFor(lease.id)}` });
      continue;
    }
    if (isExpired(lease, now)) {
      log.note("expired leases, or leases whose holding process is gone (gc removes them)", lease.id);
      continue;
    }
    // Not a fault, but nothing but a release ends it: neither an expiry nor a holding process.
    if (lease.expiresAt === undefined && lease.holder === undefined) log.note("leases without an expiry or a holding process (their blobs are kept until someone releases them)", lease.id);
    for (const resource of await readLeaseResourcesIn(dir)) {
      if (!blobs.has(resource.digest)) log.note("lease entries for blobs not in the store (an ingest that did not finish; harmless)", `${lease.id} ${resource.digest}`);
    }
    const resources = leaseResourcesDir(dir);
    for (const entry of (await listDir(resources)).sort()) if (entry.startsWith(".")) noteTempFile(log, join(resources, entry));
  }
}

async function readLease(dir: string, log: CheckLog): Promise<Lease | undefined | "corrupt"> {
  try {
    return await readLeaseIn(dir);
  } catch (error) {
    if (!(error instanceof CorruptMetadataError)) throw error;
    log.fault({ code: "BAD_METADATA", path: error.path, message: `${error.message}; expected { id, createdAt, expiresAt?, labels, holder? } as the store writes it` });
    return "corrupt";
  }
}
