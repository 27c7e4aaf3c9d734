import { isIPv4, isIPv6 } from "node:net";
import { NonLoopbackTargetError } from "./errors.js";

/** True for 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and the name "localhost". */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost") return true;
  if (isIPv4(host)) return host.split(".")[0] === "127";
  if (isIPv6(host)) {
    if (host === "::1" || /^(0{1,4}:){7}0{0,3}1$/.test(host)) return true;
    // ::ffff:127.x.y.z, which URL parsing rewrites to hex (::ffff:7fxx:xxxx)
    const mapped = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):[0-9a-f]{1,4})$/.exec(host);
    if (mapped?.[1]) return isLoopbackHost(mapped[1]);
    if (mapped?.[2]) return (parseInt(mapped[2], 16) >> 8) === 127;
  }
  return false;
}

/**
 * Parses an http(s) URL and checks that it names this machine. No DNS lookup happens: a name other
 * than "localhost" is rejected even if it would resolve to 127.0.0.1, because resolution can change.
 */
export function parseLoopbackUrl(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch (error) {
    throw new NonLoopbackTargetError(target, `not a URL (${(error as Error).message})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new NonLoopbackTargetError(target, `protocol ${url.protocol} is not http: or https:`);
  if (!isLoopbackHost(url.hostname)) throw new NonLoopbackTargetError(target, `host ${url.hostname} is not a loopback address`);
  return url;
}
