import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { SWIFT_KEY_PATTERN, swiftProxyConf, swiftRingFile, swiftStorageConf, type SwiftCommon } from "./swift-config.js";
import { tempDir } from "./temp-dir.js";
import { skipUnlessTools } from "./tools.js";

const common: SwiftCommon = { swiftDir: "/tmp/x/etc", user: "someone", logUdpPort: 5514, logLevel: "WARNING" };

describe("swiftRingFile", () => {
  it("writes Swift's v1 ring format: magic, version, JSON, 64 device ids", () => {
    const raw = gunzipSync(swiftRingFile(6201));
    expect(raw.subarray(0, 4).toString("ascii")).toBe("R1NG");
    expect(raw.readUInt16BE(4)).toBe(1);
    const length = raw.readUInt32BE(6);
    const meta = JSON.parse(raw.subarray(10, 10 + length).toString("ascii")) as Record<string, unknown>;
    expect(meta).toMatchObject({ byteorder: "little", part_shift: 26, replica_count: 1 });
    expect(meta.devs).toEqual([{ device: "d1", id: 0, ip: "127.0.0.1", meta: "", port: 6201, region: 1, weight: 1, zone: 1 }]);
    expect(raw.length).toBe(10 + length + 2 * 64);
    expect(raw.subarray(10 + length).every((b) => b === 0)).toBe(true);
  });

  // Swift's own reader is the judge: the ring must load and route every partition to our device.
  it.skipIf(skipUnlessTools("swift-proxy-server"))("loads with Swift's Ring and routes to the port", async () => {
    const dir = await tempDir("exp-ring-");
    try {
      await writeFile(join(dir.path, "object.ring.gz"), swiftRingFile(6333));
      const script =
        "import sys; from swift.common.ring import Ring; r = Ring(sys.argv[1], ring_name='object'); " +
        "p, nodes = r.get_nodes('AUTH_test', 'bucket', 'key'); print(r.partition_count, int(r.replica_count), nodes[0]['ip'], nodes[0]['port'], nodes[0]['device'])";
      // Debian's Swift lives in /usr/bin/python3 (not a pyenv python3 that may come first on PATH).
      const out = execFileSync("/usr/bin/python3", ["-c", script, dir.path], { encoding: "utf8" });
      expect(out.trim()).toBe("64 1 127.0.0.1 6333 d1");
    } finally {
      await dir.cleanup();
    }
  });
});

describe("swift configs", () => {
  it("binds each storage server to loopback on its port, in the foreground, logging to our UDP port", () => {
    const conf = swiftStorageConf("container", 7001, "/tmp/x/node", common);
    expect(conf).toContain("bind_ip = 127.0.0.1\nbind_port = 7001\n");
    expect(conf).toContain("workers = 0\n");
    expect(conf).toContain("devices = /tmp/x/node\nmount_check = false\n");
    expect(conf).toContain("log_udp_host = 127.0.0.1\nlog_udp_port = 5514\n");
    expect(conf).toContain("[app:container-server]\nuse = egg:swift#container\n");
  });

  it("gives the proxy s3api, tempauth, memcached on our port and every filter of its pipeline", () => {
    const conf = swiftProxyConf(7000, 7004, "us-east-1", common);
    expect(conf).toContain("bind_port = 7000\n");
    expect(conf).toContain("memcache_servers = 127.0.0.1:7004\n");
    expect(conf).toContain("[filter:s3api]\nuse = egg:swift#s3api\nlocation = us-east-1\n");
    expect(conf).toContain("user_test_tester = testing .admin\n");
    const pipeline = /^pipeline = (.*)$/m.exec(conf)?.[1]?.split(" ") ?? [];
    expect(pipeline.at(-1)).toBe("proxy-server");
    for (const name of pipeline.slice(0, -1)) expect(conf).toContain(`[filter:${name}]\n`);
    expect(conf).toContain("[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n");
  });

  it("gives test:tester the secret key asked for, which tempauth reads as one word", () => {
    const conf = swiftProxyConf(7000, 7004, "us-east-1", common, "s3cr3t-K3Y/with+base64=");
    expect(conf).toContain("user_test_tester = s3cr3t-K3Y/with+base64= .admin\n");
    expect(conf).not.toContain("= testing ");
    expect(SWIFT_KEY_PATTERN.test("s3cr3t-K3Y/with+base64=")).toBe(true);
    for (const bad of ["", "two words", "100%", ".admin", "x".repeat(129)]) expect(SWIFT_KEY_PATTERN.test(bad)).toBe(false);
  });
});
