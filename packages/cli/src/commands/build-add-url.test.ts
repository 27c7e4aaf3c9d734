import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixture, run, type Fixture } from "../test-helpers.js";

let fx: Fixture;
let server: Server;
let url: string;
beforeEach(async () => {
  fx = await fixture();
  server = createServer((request, response) => {
    if (request.url === "/files/tool.sh") {
      response.writeHead(200, { "content-type": "text/plain", "last-modified": "Tue, 14 Nov 2023 22:13:20 GMT" });
      response.end("#!/bin/sh\necho tool\n");
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fx.cleanup();
});

describe("exp build, ADD <http url>", () => {
  it("downloads the file through the CLI's HTTP client, named from the URL, mode 0600, mtime from Last-Modified", async () => {
    await writeFile(join(fx.context, "Dockerfile"), `FROM scratch\nADD ${url}/files/tool.sh /opt/\n`);
    const dest = join(fx.dir, "out");
    const built = await run(["build", fx.context, "-o", `type=local,dest=${dest}`, "--root", fx.store], { env: { HOME: fx.dir } });
    expect(built.code, built.stderr).toBe(0);
    expect(await readFile(join(dest, "opt", "tool.sh"), "utf8")).toBe("#!/bin/sh\necho tool\n");
    const info = await stat(join(dest, "opt", "tool.sh"));
    expect(info.mode & 0o777).toBe(0o600);
    expect(info.mtimeMs).toBe(1_700_000_000_000);
  });

  it("fails naming the URL when the server answers 404", async () => {
    await writeFile(join(fx.context, "Dockerfile"), `FROM scratch\nADD ${url}/missing.txt /\n`);
    const failed = await run(["build", fx.context, "-o", `type=local,dest=${join(fx.dir, "out")}`, "--root", fx.store], { env: { HOME: fx.dir } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("missing.txt");
    expect(failed.stderr).toMatch(/404/);
  });
});
