import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { s3Client } from "./s3-client.js";
import type { S3CacheOptions } from "./options.js";

describe("s3Client", () => {
  let server: Server | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  });

  it("an aborted stream upload writes nothing to the console (exp reports failures itself)", async () => {
    // A server that never answers: the upload is in flight when it is aborted, as on Ctrl-C.
    server = createServer((req) => req.resume());
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const options: S3CacheOptions = {
      bucket: "b",
      region: "us-east-1",
      prefix: "",
      blobsPrefix: "",
      manifestsPrefix: "",
      names: [],
      endpoint,
      pathStyle: true,
      credentials: { accessKeyId: "k", secretAccessKey: "s" },
      touchRefreshMs: 0,
      uploadParallelism: 1,
      mode: "min",
      ignoreError: false,
    };
    const written = vi.fn();
    for (const level of ["warn", "error", "log", "info", "debug"] as const) vi.spyOn(console, level).mockImplementation(written);
    const { client, sdk } = await s3Client(options, { maxAttempts: 1 });
    const controller = new AbortController();
    const body = Readable.from((async function* () {
      yield Buffer.alloc(1024);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    })());
    const put = client.send(new sdk.PutObjectCommand({ Bucket: "b", Key: "k", Body: body, ContentLength: 2048 }), { abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(put).rejects.toThrow();
    client.destroy();
    body.destroy();
    expect(written).not.toHaveBeenCalled();
  });
});
