import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ClientCloseWatch, readTcpTable, tcpTableEndpoint } from "./client-close-watch.js";
import { skipUnless } from "./prerequisites.js";

describe("tcpTableEndpoint and readTcpTable", () => {
  it("writes IPv4 endpoints as the kernel does, and nothing for IPv6", () => {
    expect(tcpTableEndpoint("127.0.0.1", 8080)).toBe("0100007F:1F90");
    expect(tcpTableEndpoint("::ffff:10.1.2.3", 1)).toBe("0302010A:0001");
    expect(tcpTableEndpoint("::1", 80)).toBeUndefined();
  });

  it("reads states by local>remote, ESTABLISHED winning over an old TIME_WAIT of the same pair", async () => {
    const dir = await mkdtemp(join(tmpdir(), "exp-tcp-table-"));
    try {
      const path = join(dir, "tcp");
      await writeFile(
        path,
        [
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
          "   0: 0100007F:1F90 0100007F:C350 06 00000000:00000000 00:00000000 00000000     0        0 0",
          "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 1",
          "   2: 0100007F:AAAA 0100007F:BBBB 04 003C7486:00000000 00:00000000 00000000     0        0 2",
          "",
        ].join("\n"),
      );
      const table = await readTcpTable(path);
      expect([...table!]).toEqual([
        ["0100007F:1F90>0100007F:C350", 1],
        ["0100007F:AAAA>0100007F:BBBB", 4],
      ]);
      expect(await readTcpTable(join(dir, "missing"))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("ClientCloseWatch", () => {
  const fakeSocket = { remoteAddress: "127.0.0.1", remotePort: 50000, localAddress: "127.0.0.1", localPort: 8080 } as Socket;
  const key = "0100007F:C350>0100007F:1F90";

  it("reports a line that left ESTABLISHED, or vanished after being seen; never one it never saw", async () => {
    let table = new Map<string, number>();
    const watch = new ClientCloseWatch(5, async () => table);
    let closed = 0;
    watch.watch(fakeSocket, () => closed++);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(0); // absent and never seen: another network namespace, say
    table = new Map([[key, 1]]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(0);
    table = new Map();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(1); // once
    watch.stop();
  });

  it("an unwatched socket is not reported", async () => {
    const watch = new ClientCloseWatch(5, async () => new Map([[key, 4]]));
    let closed = 0;
    const unwatch = watch.watch(fakeSocket, () => closed++);
    unwatch();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(closed).toBe(0);
  });

  it.skipIf(skipUnless(existsSync("/proc/net/tcp"), "/proc/net/tcp (the kernel's connection table)", "run on Linux with /proc mounted"))("sees a client close that a paused server cannot (its FIN waits behind megabytes of unread data)", async () => {
    const accepted: Socket[] = [];
    const server: Server = createServer((socket) => {
      socket.pause(); // like a proxy holding the body back for its link
      accepted.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const open = async () => {
      const client = connect(port, "127.0.0.1");
      client.on("error", () => {});
      await new Promise((resolve) => client.once("connect", resolve));
      while (accepted.length === 0 || !accepted.at(-1)!.remotePort || accepted.at(-1)!.remotePort !== client.localPort) await new Promise((r) => setTimeout(r, 5));
      return { client, serverSide: accepted.at(-1)! };
    };
    const watch = new ClientCloseWatch(20);
    try {
      const leaving = await open();
      const staying = await open();
      for (let i = 0; i < 8; i++) leaving.client.write(Buffer.alloc(1 << 20));
      let serverSawClose = false;
      leaving.serverSide.once("close", () => (serverSawClose = true));
      const reported: string[] = [];
      watch.watch(leaving.serverSide, () => reported.push("leaving"));
      watch.watch(staying.serverSide, () => reported.push("staying"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(reported).toEqual([]);
      const closedAt = Date.now();
      leaving.client.destroy();
      while (reported.length === 0 && Date.now() - closedAt < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(reported).toEqual(["leaving"]);
      expect(Date.now() - closedAt).toBeLessThan(500);
      expect(serverSawClose).toBe(false); // what the watch is for
      staying.client.destroy();
    } finally {
      watch.stop();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
