import ipaddr from "ipaddr.js";

/**
 * Address ranges a server-side fetch must never reach unless the host is allow-listed (ipaddr.js's range
 * names): loopback, private, carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), multicast,
 * reserved, documentation and their IPv6 counterparts. Only `unicast` (public) addresses pass.
 */
const PUBLIC_RANGE = "unicast";

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach it: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-compatible (`::a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4
 * (`2002:AABB:CCDD::`). Teredo (2001::/32) is refused outright by its range.
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = address.parts as number[];
  const v4 = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const zeros = (from: number, to: number) => p.slice(from, to).every((part) => part === 0);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  if (zeros(0, 6) && (p[6] !== 0 || (p[7] ?? 0) > 1)) return v4(p[6] ?? 0, p[7] ?? 0);
  if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) return v4(p[6] ?? 0, p[7] ?? 0);
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) return v4(p[6] ?? 0, p[7] ?? 0);
  if (p[0] === 0x2002) return v4(p[1] ?? 0, p[2] ?? 0);
  return null;
}

/**
 * An IPv6 address that carries an IPv4 address is judged by that address; any other is refused unless it is
 * plain public unicast (so site-local fec0::/10, Teredo 2001::/32, unique-local, link-local… are refused).
 */
function isForbiddenIpv6(address: ipaddr.IPv6): boolean {
  const carried = embeddedIpv4(address);
  if (carried !== null) return carried.range() !== PUBLIC_RANGE;
  return address.range() !== PUBLIC_RANGE;
}

/** True when `address` (an IP literal, IPv6 with or without brackets) is in a range fetches must not reach. */
export function isForbiddenAddress(address: string): boolean {
  const literal = address.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(literal)) return true;
  const parsed = ipaddr.parse(literal);
  if (parsed.kind() === "ipv4") return parsed.range() !== PUBLIC_RANGE;
  return isForbiddenIpv6(parsed as ipaddr.IPv6);
}
