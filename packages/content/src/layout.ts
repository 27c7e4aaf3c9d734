import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseDigest, type Digest } from "@exp/oci-spec";
import { fileNameFor } from "./names.js";

/**
 * Where everything lives under the store root. One record per file, so updating one record never
 * rewrites another:
 *
 *   blobs/<alg>/<hex>                       blob content, read-only
 *   ingest/<pid>-<random>                   in-flight writes (same filesystem as blobs/, so commit is a link/rename)
 *   meta/blobs/<alg>/<hex>.json             { labels, createdAt }
 *   meta/leases/<id>/lease.json             { id, createdAt, expiresAt?, labels }
 *   meta/leases/<id>/resources/<alg>-<hex>  one file per held blob (empty, or { mediaType })
 *   meta/history/<id>.json                  one history record
 *   meta/roots/<sha256(name)>.json          { name, descriptor }
 *   meta/labels/<sha256(key)>/<sha256(value)>/<alg>-<hex>
 *                                           label index: empty hint files, checked against meta/blobs
 *   meta/labels/.version                    { version, boot }: the index is complete for this boot
 *   meta/trash/                             leases being removed (renamed here first, so removal is atomic)
 *   locks/<kind>/<name>.lock                cross-process locks of the store's users (@exp/locks file locks:
 *                                           exp's push locks are locks/push/); not created by the store
 */
export class Layout {
  readonly root: string;
  readonly blobsDir: string;
  readonly ingestDir: string;
  readonly metaDir: string;
  readonly blobMetaDir: string;
  readonly leasesDir: string;
  readonly historyDir: string;
  readonly rootsDir: string;
  readonly trashDir: string;
  readonly labelsDir: string;
  readonly labelIndexMarker: string;
  readonly locksDir: string;

  constructor(root: string) {
    this.root = root;
    this.blobsDir = join(root, "blobs");
    this.ingestDir = join(root, "ingest");
    this.metaDir = join(root, "meta");
    this.blobMetaDir = join(this.metaDir, "blobs");
    this.leasesDir = join(this.metaDir, "leases");
    this.historyDir = join(this.metaDir, "history");
    this.rootsDir = join(this.metaDir, "roots");
    this.trashDir = join(this.metaDir, "trash");
    this.labelsDir = join(this.metaDir, "labels");
    this.labelIndexMarker = join(this.labelsDir, ".version");
    this.locksDir = join(root, "locks");
  }

  /** Directories openContentStore creates up front. */
  get directories(): string[] {
    return [
      join(this.blobsDir, "sha256"),
      this.ingestDir,
      join(this.blobMetaDir, "sha256"),
      this.leasesDir,
      this.historyDir,
      this.rootsDir,
      this.trashDir,
      this.labelsDir,
    ];
  }

  blobPath(digest: Digest): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.blobsDir, algorithm, hex);
  }

  blobMetaPath(digest: Digest): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.blobMetaDir, algorithm, `${hex}.json`);
  }

  /** The label index directory for one label; both parts are sha256 hex (see label-index.ts). */
  labelValueDir(keyHash: string, valueHash: string): string {
    return join(this.labelsDir, keyHash, valueHash);
  }

  leaseDir(id: string): string {
    return join(this.leasesDir, fileNameFor(id));
  }

  historyPath(id: string): string {
    return join(this.historyDir, `${fileNameFor(id)}.json`);
  }

  /** Root names contain "/" and ":" and can be long, so the file is named by the name's hash; the record holds the name. */
  rootPath(name: string): string {
    return join(this.rootsDir, `${createHash("sha256").update(name).digest("hex")}.json`);
  }
}
