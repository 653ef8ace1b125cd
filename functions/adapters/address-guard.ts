/**
 * Where the feed fetcher may connect. The poller runs next to AWS credentials, so a feed URL must
 * never reach the metadata service, the Lambda runtime API or anything else inside. Owns:
 * - the address classifier: global unicast or the special-purpose range an address is in, IPv4
 *   and IPv6, including the IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4);
 * - the URL rules, checked on the first request and again on every redirect: http(s) only, no
 *   credentials, no IP literal outside global unicast, no HTTPS→HTTP;
 * - the `lookup` sockets resolve names through, so the address checked is the address connected
 *   to (no window for DNS rebinding between a check and the connect).
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, isIPv4, type LookupFunction } from 'node:net';
import { FeedFetchError } from '../core/feeds/errors';

/** Which addresses are fetched: global unicast always; loopback only when asked for. */
export interface AddressPolicy {
  /** Allows 127.0.0.0/8, ::1 and `localhost`: the demo and tests, never a deployment. */
  allowLoopback: boolean;
}

export type AddressRange =
  | 'global unicast'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared address space (CGNAT)'
  | 'link-local'
  | 'unique local'
  | 'site-local (deprecated)'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'IETF protocol assignments'
  | 'Teredo'
  | 'IPv4-compatible'
  | 'local-use NAT64'
  | 'discard-only'
  | 'reserved';

export interface AddressClass {
  range: AddressRange;
  /** What the range is known for here (the metadata services). */
  note?: string;
  /** Set when the range is that of an IPv4 address an IPv6 form carries. */
  embedded?: { form: 'IPv4-mapped' | 'NAT64' | '6to4'; ipv4: string };
}

interface Prefix {
  bytes: number[];
  bits: number;
}

type Rule = Prefix & AddressClass;

/** IPv4 has no prefix for "global unicast": the special-purpose registry, first match wins. */
const IPV4_RULES: Rule[] = [
  rule('0.0.0.0/32', 'unspecified'),
  rule('0.0.0.0/8', 'reserved'),
  rule('10.0.0.0/8', 'private'),
  rule('100.64.0.0/10', 'shared address space (CGNAT)'),
  rule('127.0.0.0/8', 'loopback'),
  rule('169.254.169.254/32', 'link-local', 'the instance metadata service'),
  rule('169.254.170.2/32', 'link-local', 'the container credentials endpoint'),
  rule('169.254.0.0/16', 'link-local'),
  rule('172.16.0.0/12', 'private'),
  rule('192.0.0.0/24', 'IETF protocol assignments'),
  rule('192.0.2.0/24', 'documentation'),
  rule('192.88.99.0/24', 'reserved'),
  rule('192.168.0.0/16', 'private'),
  rule('198.18.0.0/15', 'benchmarking'),
  rule('198.51.100.0/24', 'documentation'),
  rule('203.0.113.0/24', 'documentation'),
  rule('224.0.0.0/4', 'multicast'),
  rule('255.255.255.255/32', 'broadcast'),
  rule('240.0.0.0/4', 'reserved'),
];

/** Exceptions inside 2000::/3, the one IPv6 prefix allowed (forms carrying IPv4 aside). */
const IPV6_GLOBAL_EXCEPTIONS: Rule[] = [
  rule('2001:db8::/32', 'documentation'),
  rule('3fff::/20', 'documentation'),
  rule('2001::/32', 'Teredo'),
  rule('2001:2::/48', 'benchmarking'),
  rule('2001::/23', 'IETF protocol assignments'),
];

const GLOBAL_UNICAST = prefix('2000::/3');
const IPV4_MAPPED = prefix('::ffff:0:0/96');
const NAT64 = prefix('64:ff9b::/96');
const SIX_TO_FOUR = prefix('2002::/16');
const IPV4_COMPATIBLE = prefix('::/96');

/** Ranges outside 2000::/3 named for the message; anything else there is "reserved". */
const IPV6_OTHER: Rule[] = [
  rule('::/128', 'unspecified'),
  rule('::1/128', 'loopback'),
  rule('64:ff9b:1::/48', 'local-use NAT64'),
  rule('100::/64', 'discard-only'),
  rule('fd00:ec2::254/128', 'unique local', 'the EC2 instance metadata service'),
  rule('fc00::/7', 'unique local'),
  rule('fe80::/10', 'link-local'),
  rule('fec0::/10', 'site-local (deprecated)'),
  rule('ff00::/8', 'multicast'),
];

function prefix(cidr: string): Prefix {
  const [address = '', bits = ''] = cidr.split('/');
  return {
    bytes: isIPv4(address) ? ipv4Bytes(address) : ipv6Bytes(address),
    bits: Number(bits),
  };
}

function rule(cidr: string, range: AddressRange, note?: string): Rule {
  return { ...prefix(cidr), range, ...(note ? { note } : {}) };
}

/** Bytes of a dotted-quad address (already validated by `isIPv4`). */
function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (validated by `isIPv6`; a zone id is dropped). */
function ipv6Bytes(address: string): number[] {
  const text = address.split('%')[0] ?? '';
  const [head = '', tail] = text.split('::');
  const groups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (group.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(group);
        return [(a << 8) | b, (c << 8) | d];
      }
      return [Number.parseInt(group, 16)];
    });
  };
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const words = [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

function matches(bytes: number[], range: Prefix): boolean {
  for (let bit = 0; bit < range.bits; bit += 8) {
    const width = Math.min(8, range.bits - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((range.bytes[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

function withoutPrefix({ range, note, embedded }: AddressClass): AddressClass {
  return { range, ...(note ? { note } : {}), ...(embedded ? { embedded } : {}) };
}

function classifyIPv4(bytes: number[]): AddressClass {
  const rule = IPV4_RULES.find((candidate) => matches(bytes, candidate));
  return rule ? withoutPrefix(rule) : { range: 'global unicast' };
}

/** The class of an IPv6 form that carries an IPv4 address: that address's, unless global. */
function viaIPv4(form: 'IPv4-mapped' | 'NAT64' | '6to4', bytes: number[]): AddressClass {
  const inner = classifyIPv4(bytes);
  if (inner.range === 'global unicast') return inner;
  return { ...inner, embedded: { form, ipv4: bytes.join('.') } };
}

function classifyIPv6(bytes: number[]): AddressClass {
  if (matches(bytes, IPV4_MAPPED)) return viaIPv4('IPv4-mapped', bytes.slice(12));
  if (matches(bytes, NAT64)) return viaIPv4('NAT64', bytes.slice(12));
  if (matches(bytes, GLOBAL_UNICAST)) {
    if (matches(bytes, SIX_TO_FOUR)) return viaIPv4('6to4', bytes.slice(2, 6));
    const exception = IPV6_GLOBAL_EXCEPTIONS.find((rule) => matches(bytes, rule));
    return exception ? withoutPrefix(exception) : { range: 'global unicast' };
  }
  const named = IPV6_OTHER.find((rule) => matches(bytes, rule));
  if (named) return withoutPrefix(named);
  if (matches(bytes, IPV4_COMPATIBLE)) {
    // Deprecated (RFC 4291) and never global, whatever it carries; named for the message.
    return { range: 'IPv4-compatible', note: `a deprecated form of ${bytes.slice(12).join('.')}` };
  }
  return { range: 'reserved' };
}

/**
 * The range an IP address is in. Takes the text form sockets and resolvers use (dotted quad,
 * IPv6 with or without brackets); URL notations (`2130706433`, `0x7f.1`) are normalised to it by
 * `new URL()` before they get here. Anything that is not an IP address throws.
 */
export function classifyAddress(address: string): AddressClass {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const version = isIP(text);
  if (version === 4) return classifyIPv4(ipv4Bytes(text));
  if (version === 6) return classifyIPv6(ipv6Bytes(text));
  throw new TypeError(`not an IP address: ${address}`);
}

/** Why the policy refuses an address, as one sentence; undefined when it may be connected to. */
export function refusalOf(address: string, policy: AddressPolicy): string | undefined {
  const found = classifyAddress(address);
  if (found.range === 'global unicast') return undefined;
  if (found.range === 'loopback' && !found.embedded && policy.allowLoopback) return undefined;
  const what = `${found.range}${found.note ? ` (${found.note})` : ''}`;
  return found.embedded
    ? `${address} is ${found.embedded.form} ${found.embedded.ipv4}, which is ${what}`
    : `${address} is ${what}`;
}

/** RFC 6761: `localhost` and every name under it resolve to loopback, trailing dot or not. */
function isLocalhostName(hostname: string): boolean {
  const name = hostname.replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Parses a URL to fetch (relative to `base` for a redirect) and applies the rules that need no
 * DNS: the scheme, credentials, and the address when the host is an IP literal (sockets do not
 * call `lookup` for those, so the guarded lookup would never see them).
 */
export function checkFetchUrl(raw: string, policy: AddressPolicy, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (error) {
    throw new FeedFetchError('BAD_URL', `not a URL: ${raw.slice(0, 200)}`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedFetchError(
      'UNSUPPORTED_SCHEME',
      `only http and https are fetched, not ${url.protocol.slice(0, 40)}`,
    );
  }
  if (url.username || url.password) {
    // The URL itself is not repeated: it holds the secret.
    throw new FeedFetchError(
      'CREDENTIALS_IN_URL',
      `the URL for ${url.host} carries a user name or password; feeds are fetched without credentials`,
    );
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host)) {
    const refusal = refusalOf(host, policy);
    if (refusal) throw new FeedFetchError('BLOCKED_ADDRESS', refusal);
  } else if (isLocalhostName(host) && !policy.allowLoopback) {
    throw new FeedFetchError('BLOCKED_ADDRESS', `${host} is loopback`);
  }
  return url;
}

/** The next URL of a redirect: the same rules as the first, and never from HTTPS down to HTTP. */
export function checkRedirect(from: URL, location: string, policy: AddressPolicy): URL {
  const to = checkFetchUrl(location, policy, from);
  if (from.protocol === 'https:' && to.protocol === 'http:') {
    throw new FeedFetchError(
      'INSECURE_REDIRECT',
      `refused a redirect from HTTPS to plain HTTP (${from.host} → ${to.host})`,
    );
  }
  return to;
}

/** Resolves a host name to all its addresses; tests inject a stub in place of the system's. */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemResolve: ResolveHost = (hostname) =>
  dns.lookup(hostname, { all: true, order: 'verbatim' });

function familyOf(option: number | 'IPv4' | 'IPv6' | undefined): 0 | 4 | 6 {
  if (option === 4 || option === 'IPv4') return 4;
  if (option === 6 || option === 'IPv6') return 6;
  return 0;
}

/**
 * The `lookup` option for http(s).request: resolves, then refuses the name unless every address
 * passes the policy. The socket connects to what this returns, so the checked address is the
 * connected one. A name that mixes public and internal addresses is refused outright rather
 * than filtered: no legitimate feed host needs that, and a rebinding attack does.
 */
export function guardedLookup(policy: AddressPolicy, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    const family = familyOf(options.family);
    resolve(hostname).then(
      (found) => {
        const addresses = found.filter(
          (entry) => family === 0 || entry.family === family || isIP(entry.address) === family,
        );
        const first = addresses[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`no address found for ${hostname}`);
          error.code = 'ENOTFOUND';
          callback(error, '');
          return;
        }
        for (const { address } of addresses) {
          const refusal = isIP(address)
            ? refusalOf(address, policy)
            : `${address} is not an IP address`;
          if (refusal) {
            callback(
              new FeedFetchError('BLOCKED_ADDRESS', `${refusal} (resolved from ${hostname})`),
              '',
            );
            return;
          }
        }
        const normalised = addresses.map(({ address }) => ({
          address,
          family: isIPv4(address) ? 4 : 6,
        }));
        if (options.all) callback(null, normalised);
        else callback(null, first.address, isIPv4(first.address) ? 4 : 6);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
