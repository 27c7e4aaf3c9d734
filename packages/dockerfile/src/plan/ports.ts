import { isIP } from "node:net";

/** Thrown with the reason only; the caller names the port and where it is. */
export class PortSpecError extends Error {}

/**
 * BuildKit's parsePortSpec for EXPOSE: `port`, `port/proto`, `start-end/proto`; an IP and host
 * port (`[ip:]host:container`) are accepted and dropped, as Docker does. Returns `port/proto`
 * entries, ranges expanded, protocol lower-cased (tcp by default).
 */
export function parsePortSpec(raw: string): string[] {
  const parts = raw.split(":");
  const containerPart = parts[parts.length - 1]!;
  const hostPort = parts.length >= 2 ? parts[parts.length - 2]! : "";
  let ip = parts.length >= 3 ? parts.slice(0, -2).join(":") : "";
  const slash = containerPart.indexOf("/");
  const port = slash >= 0 ? containerPart.slice(0, slash) : containerPart;
  const proto = (slash >= 0 ? containerPart.slice(slash + 1) : "").toLowerCase() || "tcp";
  if (port === "") throw new PortSpecError("no port number");
  if (!["tcp", "udp", "sctp"].includes(proto)) throw new PortSpecError(`invalid protocol ${JSON.stringify(proto)}; use tcp, udp or sctp`);
  if (ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip !== "" && isIP(ip) === 0) throw new PortSpecError(`invalid IP address ${JSON.stringify(ip)}`);
  const [start, end] = portRange(port, "container port");
  if (hostPort !== "") {
    const [hostStart, hostEnd] = portRange(hostPort, "host port");
    if (end - start !== hostEnd - hostStart && end !== start) {
      throw new PortSpecError(`the container port range ${port} and the host port range ${hostPort} differ in size`);
    }
  }
  const ports: string[] = [];
  for (let p = start; p <= end; p++) ports.push(`${p}/${proto}`);
  return ports;
}

function portRange(text: string, what: string): [number, number] {
  const bounds = text.split("-");
  if (bounds.length > 2) throw new PortSpecError(`invalid ${what} range ${JSON.stringify(text)}`);
  const [start, end] = bounds.map((b) => {
    if (!/^\d+$/.test(b) || Number(b) > 65535) throw new PortSpecError(`invalid ${what} ${JSON.stringify(text)}: ports are numbers from 0 to 65535`);
    return Number(b);
  }) as [number, number | undefined];
  if (end !== undefined && end < start) throw new PortSpecError(`invalid ${what} range ${JSON.stringify(text)}: the end is before the start`);
  return [start, end ?? start];
}
