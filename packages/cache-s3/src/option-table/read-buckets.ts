import type { TestS3 } from "@exp/testing";

/**
 * Every object of the given buckets, keyed `<name>/<key>`, and the names of those a touch
 * refreshed (a self-copy with `updated-at` metadata: its bytes are the same, so the fingerprint
 * needs the fact). A bucket that does not exist reads as empty. Read straight from the server
 * with signed requests, not through the SDK exp uploads with.
 */
export async function readBuckets(s3: TestS3, buckets: Readonly<Record<string, string>>): Promise<{ files: Map<string, Buffer>; touched: string[] }> {
  const files = new Map<string, Buffer>();
  const touched: string[] = [];
  for (const [name, bucket] of Object.entries(buckets)) {
    const list = await s3.request("GET", `/${bucket}`, { query: { "list-type": "2" } });
    if (list.status === 404) continue;
    if (list.status !== 200) throw new Error(`listing ${bucket}: ${list.status} ${list.errorCode ?? ""}`);
    const keys = [...list.body.toString("utf8").matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!);
    for (const key of keys) {
      const object = await s3.request("GET", `/${bucket}/${key}`);
      if (object.status !== 200) throw new Error(`reading ${bucket}/${key}: ${object.status}`);
      files.set(`${name}/${key}`, object.body);
      if (object.headers["x-amz-meta-updated-at"] !== undefined) touched.push(`${name}/${key}`);
    }
  }
  return { files, touched };
}
