/**
 * Which network addresses task data may be fetched from (the SSRF guard's rule, no I/O).
 *
 * Refused unless allow-listed: private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), loopback
 * (127/8, ::1), link-local (169.254/16 with the cloud metadata address, fe80::/10), unspecified
 * (0.0.0.0/8, ::), multicast and reserved ranges, and the IPv4-mapped IPv6 form of each
 * (`::ffff:127.0.0.1`; node's BlockList matches those against the IPv4 rules).
 *
 * The allow list (`FETCH_ALLOW_HOSTS`) holds hostnames (exact, case-insensitive: any address they
 * resolve to is allowed), IP addresses and CIDR ranges. The caller applies {@link AddressPolicy.refusal}
 * to every address a hostname resolves to, on every redirect hop; the Label Studio origin itself is
 * exempt there, not here.
 */
import { BlockList, isIP } from 'node:net';

export interface AddressPolicy {
  /** What makes `ip` off limits ("a loopback address"), or undefined when it may be contacted. */
  refusal(ip: string): string | undefined;
  /** Whether `hostname` is allow-listed by name (then every address it resolves to is allowed). */
  isAllowedHostname(hostname: string): boolean;
}

export type AllowEntry =
  | { kind: 'hostname'; hostname: string }
  | { kind: 'address'; address: string; family: 'ipv4' | 'ipv6' }
  | { kind: 'subnet'; network: string; prefix: number; family: 'ipv4' | 'ipv6' };

const BLOCKED_RANGES: readonly [kind: string, network: string, prefix: number][] = [
  ['unspecified', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['private (shared, carrier-grade NAT)', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16],
  ['private', '172.16.0.0', 12],
  ['private', '192.168.0.0', 16],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4],
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['private', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['multicast', 'ff00::', 8],
];

const blockedByKind: { kind: string; list: BlockList }[] = (() => {
  const lists = new Map<string, BlockList>();
  for (const [kind, network, prefix] of BLOCKED_RANGES) {
    let list = lists.get(kind);
    if (list === undefined) {
      list = new BlockList();
      lists.set(kind, list);
    }
    list.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');
  }
  return [...lists].map(([kind, list]) => ({ kind, list }));
})();

const familyOf = (ip: string): 'ipv4' | 'ipv6' | undefined =>
  isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : undefined;

/** `[::1]` (a URL's hostname) → `::1`. */
export const unbracket = (host: string): string =>
  host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;

/** The kind of non-public range `ip` is in ("private", "loopback", …), or undefined for a public address. */
export function blockedRangeOf(ip: string): string | undefined {
  const family = familyOf(ip);
  if (family === undefined) return undefined;
  return blockedByKind.find(({ list }) => list.check(ip, family))?.kind;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;

/** One `FETCH_ALLOW_HOSTS` entry; throws an Error saying what is wrong with it. */
export function parseAllowEntry(entry: string): AllowEntry {
  const text = unbracket(entry.trim());
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const network = text.slice(0, slash);
    const prefixText = text.slice(slash + 1);
    const family = familyOf(network);
    const prefix = Number(prefixText);
    const maxPrefix = family === 'ipv6' ? 128 : 32;
    if (family === undefined || !/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) {
      throw new Error(`"${entry}" is not a CIDR range such as 10.0.0.0/8 or fd00::/8`);
    }
    return { kind: 'subnet', network, prefix, family };
  }
  const family = familyOf(text);
  if (family !== undefined) return { kind: 'address', address: text, family };
  if (!HOSTNAME.test(text)) throw new Error(`"${entry}" is not a hostname, an IP address or a CIDR range`);
  return { kind: 'hostname', hostname: text.toLowerCase().replace(/\.$/, '') };
}

/** Splits a comma list of allow entries; throws on the first invalid one. */
export function parseAllowList(list: string): AllowEntry[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(parseAllowEntry);
}

export function createAddressPolicy(allowHosts: readonly string[]): AddressPolicy {
  const hostnames = new Set<string>();
  const allowed = new BlockList();
  for (const entry of allowHosts.map(parseAllowEntry)) {
    if (entry.kind === 'hostname') hostnames.add(entry.hostname);
    else if (entry.kind === 'address') allowed.addAddress(entry.address, entry.family);
    else allowed.addSubnet(entry.network, entry.prefix, entry.family);
  }
  return {
    refusal(ip) {
      const family = familyOf(ip);
      if (family === undefined) return 'not an IP address';
      if (allowed.check(ip, family)) return undefined;
      const kind = blockedRangeOf(ip);
      if (kind === undefined) return undefined;
      return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address`;
    },
    isAllowedHostname: (hostname) => hostnames.has(unbracket(hostname).toLowerCase().replace(/\.$/, '')),
  };
}
