import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUrlFetcher, UrlFetchError } from "./url-fetcher.js";

let server: Server;
let base: string;
const seen: Array<{ url: string; headers: Record<string, string | string[] | undefined> }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    const hops = /^\/hop\/(\d+)$/.exec(req.url!);
    if (hops) {
      const n = Number(hops[1]);
      res.writeHead(n % 2 === 0 ? 302 : 307, { location: n === 0 ? "/file" : `/hop/${n - 1}` }).end("moved");
    } else if (req.url === "/file") {
      res.writeHead(200, { "Content-Type": "text/plain", ETag: '"v1"', "X-Two": ["a", "b"] }).end("hello");
    } else if (req.url === "/cut") {
      res.writeHead(200, { "Content-Length": "100" });
      res.write("only part");
      setTimeout(() => res.socket?.destroy(), 20);
    } else if (req.url === "/ftp") {
      res.writeHead(301, { location: "ftp://example.com/x" }).end();
    } else {
      res.writeHead(404).end("no");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function text(body: NodeJS.ReadableStream): Promise<string> {
  let out = "";
  for await (const chunk of body) out += String(chunk);
  return out;
}

describe("createUrlFetcher", () => {
  it("follows redirects (up to 10, as Go's client), sends the headers, lower-cases the response's", async () => {
    const fetcher = createUrlFetcher();
    try {
      const response = await fetcher.get(`${base}/hop/9`, { headers: { "user-agent": "exp-test", "if-none-match": '"v0"' } });
      expect(response.status).toBe(200);
      expect(response.url).toBe(`${base}/file`);
      expect(response.headers["etag"]).toBe('"v1"');
      expect(response.headers["x-two"]).toBe("a, b");
      expect(await text(response.body)).toBe("hello");
      const last = seen.at(-1)!;
      expect(last.headers["user-agent"]).toBe("exp-test");
      expect(last.headers["if-none-match"]).toBe('"v0"');
      await expect(fetcher.get(`${base}/hop/10`, { headers: {} })).rejects.toMatchObject({ code: "ERR_URL_REDIRECT", message: expect.stringContaining("stopped after 10 redirects") });
    } finally {
      await fetcher.close();
    }
  });

  it("returns a 404 as a status for the caller to report, and fails a body cut mid-way", async () => {
    const fetcher = createUrlFetcher();
    try {
      const missing = await fetcher.get(`${base}/nothing`, { headers: {} });
      expect(missing.status).toBe(404);
      missing.body.resume();
      const cut = await fetcher.get(`${base}/cut`, { headers: {} });
      await expect(text(cut.body)).rejects.toThrow();
    } finally {
      await fetcher.close();
    }
  });

  it("refuses a redirect to another scheme, and names an unreachable server", async () => {
    const fetcher = createUrlFetcher({ timeouts: { connectMs: 2000 } });
    try {
      await expect(fetcher.get(`${base}/ftp`, { headers: {} })).rejects.toMatchObject({ code: "ERR_URL_REDIRECT", message: expect.stringContaining("ftp:") });
      const error = await fetcher.get("http://user:secret@127.0.0.1:1/x", { headers: {} }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UrlFetchError);
      expect(error).toMatchObject({ code: "ERR_URL_UNREACHABLE" });
      expect((error as Error).message).not.toContain("secret");
    } finally {
      await fetcher.close();
    }
  });

  it("stops at once when aborted", async () => {
    const fetcher = createUrlFetcher();
    try {
      const controller = new AbortController();
      controller.abort(new Error("stop"));
      await expect(fetcher.get(`${base}/file`, { headers: {}, signal: controller.signal })).rejects.toThrow();
      // The abort itself, not an "unreachable" error of this module's.
      expect(await fetcher.get(`${base}/file`, { headers: {}, signal: controller.signal }).catch((e: unknown) => e)).not.toBeInstanceOf(UrlFetchError);
    } finally {
      await fetcher.close();
    }
  });
});
