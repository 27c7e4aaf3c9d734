// The files a one-node Swift needs, generated for the ports we picked: three rings and four
// paste-deploy configs. Pure functions, so they can be unit-tested without Swift installed.
import { gzipSync } from "node:zlib";

export type SwiftStorageKind = "object" | "container" | "account";
export const SWIFT_STORAGE_KINDS: readonly SwiftStorageKind[] = ["object", "container", "account"];

/** tempauth user `test:tester` with key `testing`: the S3 access key id is `account:user`. */
export const SWIFT_ACCOUNT = "test";
export const SWIFT_USER = "tester";
export const SWIFT_KEY = "testing";
export const SWIFT_DEVICE = "d1";
const PART_POWER = 6;

/**
 * A `<kind>.ring.gz` with one device (`d1` on 127.0.0.1:`port`), one replica and 2^6 partitions,
 * all on that device. This is the file `RingBuilder(6, 1, 1)` + `add_dev` + `rebalance` +
 * `get_ring().save()` writes, in Swift's v1 ring format (stable since Swift 1.x):
 * `R1NG`, u16 BE version 1, u32 BE JSON length, the JSON, then per replica `2^part_power` u16
 * device ids in the byte order the JSON names. Writing it here spares a Python start-up (~0.5 s).
 */
export function swiftRingFile(port: number): Buffer {
  const meta = {
    byteorder: "little",
    devs: [{ device: SWIFT_DEVICE, id: 0, ip: "127.0.0.1", meta: "", port, region: 1, weight: 1.0, zone: 1 }],
    part_shift: 32 - PART_POWER,
    replica_count: 1,
    version: 1,
  };
  const json = Buffer.from(JSON.stringify(meta), "ascii");
  const head = Buffer.alloc(10);
  head.write("R1NG", 0, "ascii");
  head.writeUInt16BE(1, 4);
  head.writeUInt32BE(json.length, 6);
  const part2dev = Buffer.alloc(2 << PART_POWER); // 2^6 little-endian u16 zeros: every partition on device 0
  return gzipSync(Buffer.concat([head, json, part2dev]));
}

export type SwiftLogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

export interface SwiftCommon {
  /** Directory holding the rings (`swift_dir`). swift.conf itself is always /etc/swift/swift.conf. */
  swiftDir: string;
  /** The user Swift switches to after binding (it calls setuid even when it is the current user). */
  user: string;
  /** Swift logs to syslog; we point it at a UDP port we listen on and write what arrives to a file. */
  logUdpPort: number;
  logLevel: SwiftLogLevel;
}

function defaults(port: number, c: SwiftCommon, name: string): string[] {
  return [
    "[DEFAULT]",
    "bind_ip = 127.0.0.1",
    `bind_port = ${port}`,
    // Swift retries a bind for 30 s by default; a port someone else took should fail fast so we can pick another.
    "bind_timeout = 2",
    "workers = 0",
    `user = ${c.user}`,
    `swift_dir = ${c.swiftDir}`,
    `log_name = ${name}`,
    `log_level = ${c.logLevel}`,
    "log_udp_host = 127.0.0.1",
    `log_udp_port = ${c.logUdpPort}`,
  ];
}

/** `<kind>-server.conf` for the object, container or account server. */
export function swiftStorageConf(kind: SwiftStorageKind, port: number, devices: string, c: SwiftCommon): string {
  return [
    ...defaults(port, c, `${kind}-server`),
    `devices = ${devices}`,
    "mount_check = false",
    "",
    "[pipeline:main]",
    `pipeline = ${kind}-server`,
    "",
    `[app:${kind}-server]`,
    `use = egg:swift#${kind}`,
    "",
  ].join("\n");
}

/**
 * A tempauth key that the config line `user_test_tester = <key> .admin` keeps intact: tempauth
 * splits the value at whitespace and paste-deploy treats `%` as interpolation, so neither is allowed.
 */
export const SWIFT_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._~+=/-]{0,127}$/;

/**
 * proxy-server.conf: the pipeline of the verified recipe. memcached is required by tempauth, `copy`
 * gives CopyObject, `slo` multipart uploads; s3api answers in region `region`. `key` is the S3
 * secret access key of `test:tester` (default `testing`).
 */
export function swiftProxyConf(port: number, memcachedPort: number, region: string, c: SwiftCommon, key: string = SWIFT_KEY): string {
  const filters = ["catch_errors", "gatekeeper", "healthcheck", "proxy-logging", "listing_formats", "copy", "slo", "dlo"];
  return [
    ...defaults(port, c, "proxy-server"),
    "",
    "[pipeline:main]",
    "pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server",
    "",
    "[app:proxy-server]",
    "use = egg:swift#proxy",
    "account_autocreate = true",
    "",
    "[filter:cache]",
    "use = egg:swift#memcache",
    `memcache_servers = 127.0.0.1:${memcachedPort}`,
    "",
    "[filter:s3api]",
    "use = egg:swift#s3api",
    `location = ${region}`,
    "",
    "[filter:tempauth]",
    "use = egg:swift#tempauth",
    `user_${SWIFT_ACCOUNT}_${SWIFT_USER} = ${key} .admin`,
    "",
    ...filters.flatMap((f) => [`[filter:${f}]`, `use = egg:swift#${f.replace("-", "_")}`, ""]),
  ].join("\n");
}
