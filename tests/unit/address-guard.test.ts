/**
 * The fetcher's address and URL rules without sockets: every notation of an internal address a
 * URL parser accepts, the IPv6 forms that carry IPv4, the loopback opt-in, schemes, credentials,
 * HTTPS→HTTP redirects, and the guarded lookup the sockets resolve through.
 */
import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  type AddressPolicy,
  checkFetchUrl,
  checkRedirect,
  classifyAddress,
  guardedLookup,
  type ResolveHost,
} from '../../functions/adapters/address-guard';
import { FeedFetchError } from '../../functions/core/feeds/errors';

const STRICT: AddressPolicy = { allowLoopback: false };
const LOOPBACK_ALLOWED: AddressPolicy = { allowLoopback: true };

/** The error a call throws, which must be a FeedFetchError. */
function refusal(act: () => unknown): FeedFetchError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(FeedFetchError);
    return error as FeedFetchError;
  }
  throw new Error('expected a refusal, got none');
}

describe('checkFetchUrl: addresses in URLs', () => {
  it.each([
    // Loopback in every notation the WHATWG parser accepts.
    ['http://127.0.0.1/', '127.0.0.1 is loopback'],
    ['http://2130706433/', '127.0.0.1 is loopback'],
    ['http://0177.0.0.1/', '127.0.0.1 is loopback'],
    ['http://017700000001/', '127.0.0.1 is loopback'],
    ['http://0x7f.0.0.1/', '127.0.0.1 is loopback'],
    ['http://0x7f000001/', '127.0.0.1 is loopback'],
    ['http://0X7F.0X0.0X0.0X1/', '127.0.0.1 is loopback'],
    ['http://127.1/', '127.0.0.1 is loopback'],
    ['http://127.0.0.1./', '127.0.0.1 is loopback'],
    ['http://127.0.0.1%2e/', '127.0.0.1 is loopback'],
    ['http://０x7f.1/', '127.0.0.1 is loopback'],
    ['http://127.255.255.254:8080/feed', '127.255.255.254 is loopback'],
    ['http://127.0.0.1:9001/2018-06-01/runtime/invocation/next', '127.0.0.1 is loopback'],
    ['http://[::1]/', '::1 is loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', '::1 is loopback'],
    ['http://[0000::0001]:80/', '::1 is loopback'],
    ['http://localhost/', 'localhost is loopback'],
    ['http://LOCALHOST/', 'localhost is loopback'],
    ['http://localhost./', 'localhost. is loopback'],
    ['http://feeds.localhost/', 'feeds.localhost is loopback'],
    // IPv6 forms that carry an IPv4 address.
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 is IPv4-mapped 127.0.0.1, which is loopback'],
    ['http://[::ffff:7f00:1]/', '::ffff:7f00:1 is IPv4-mapped 127.0.0.1, which is loopback'],
    ['http://[::127.0.0.1]/', '::7f00:1 is IPv4-compatible (a deprecated form of 127.0.0.1)'],
    ['http://[64:ff9b::10.0.0.1]/', '64:ff9b::a00:1 is NAT64 10.0.0.1, which is private'],
    ['http://[64:ff9b::7f00:1]/', '64:ff9b::7f00:1 is NAT64 127.0.0.1, which is loopback'],
    ['http://[2002:a00:1::]/', '2002:a00:1:: is 6to4 10.0.0.1, which is private'],
    ['http://[2002:7f00:1::1]/', '2002:7f00:1::1 is 6to4 127.0.0.1, which is loopback'],
    ['http://[2001::1]/', '2001::1 is Teredo'],
    ['http://[64:ff9b:1::1]/', '64:ff9b:1::1 is local-use NAT64'],
    // Unspecified, the metadata services and link-local.
    ['http://0.0.0.0/', '0.0.0.0 is unspecified'],
    ['http://0/', '0.0.0.0 is unspecified'],
    ['http://[::]/', ':: is unspecified'],
    ['http://0.1.2.3/', '0.1.2.3 is reserved'],
    [
      'http://169.254.169.254/latest/meta-data/',
      '169.254.169.254 is link-local (the instance metadata service)',
    ],
    ['http://2852039166/', '169.254.169.254 is link-local (the instance metadata service)'],
    [
      'http://0xa9.0xfe.0xa9.0xfe/',
      '169.254.169.254 is link-local (the instance metadata service)',
    ],
    [
      'http://[::ffff:a9fe:a9fe]/',
      '::ffff:a9fe:a9fe is IPv4-mapped 169.254.169.254, which is link-local (the instance metadata service)',
    ],
    [
      'http://[fd00:ec2::254]/latest/meta-data/',
      'fd00:ec2::254 is unique local (the EC2 instance metadata service)',
    ],
    [
      'http://169.254.170.2/v2/credentials',
      '169.254.170.2 is link-local (the container credentials endpoint)',
    ],
    ['http://169.254.0.1/', '169.254.0.1 is link-local'],
    ['http://[FE80::1]/', 'fe80::1 is link-local'],
    ['http://[febf:ffff::1]/', 'febf:ffff::1 is link-local'],
    // Private, shared, multicast, broadcast, reserved, documentation, benchmarking.
    ['http://10.0.0.5/', '10.0.0.5 is private'],
    ['http://10.1/', '10.0.0.1 is private'],
    ['http://167772165/', '10.0.0.5 is private'],
    ['http://172.16.0.1/', '172.16.0.1 is private'],
    ['http://172.31.255.255/', '172.31.255.255 is private'],
    ['http://192.168.1.1/', '192.168.1.1 is private'],
    ['http://0xc0.0xa8.1.1/', '192.168.1.1 is private'],
    ['http://100.64.0.1/', '100.64.0.1 is shared address space (CGNAT)'],
    ['http://100.127.255.255/', '100.127.255.255 is shared address space (CGNAT)'],
    ['http://[fc00::1]/', 'fc00::1 is unique local'],
    ['http://[fdff:ffff::1]/', 'fdff:ffff::1 is unique local'],
    ['http://[fec0::1]/', 'fec0::1 is site-local (deprecated)'],
    ['http://224.0.0.1/', '224.0.0.1 is multicast'],
    ['http://239.255.255.250/', '239.255.255.250 is multicast'],
    ['http://[ff02::1]/', 'ff02::1 is multicast'],
    ['http://255.255.255.255/', '255.255.255.255 is broadcast'],
    ['http://240.0.0.1/', '240.0.0.1 is reserved'],
    ['http://192.88.99.1/', '192.88.99.1 is reserved'],
    ['http://[100::1]/', '100::1 is discard-only'],
    ['http://[4000::1]/', '4000::1 is reserved'],
    ['http://192.0.0.8/', '192.0.0.8 is IETF protocol assignments'],
    ['http://192.0.2.1/', '192.0.2.1 is documentation'],
    ['http://198.51.100.1/', '198.51.100.1 is documentation'],
    ['http://203.0.113.9/', '203.0.113.9 is documentation'],
    ['http://[2001:db8::1]/', '2001:db8::1 is documentation'],
    ['http://[3fff::1]/', '3fff::1 is documentation'],
    ['http://198.18.0.1/', '198.18.0.1 is benchmarking'],
    ['http://198.19.255.255/', '198.19.255.255 is benchmarking'],
    ['http://[2001:2::1]/', '2001:2::1 is benchmarking'],
    ['http://[2001:10::1]/', '2001:10::1 is IETF protocol assignments'],
  ])('refuses %s: %s', (url, reason) => {
    // Act
    const error = refusal(() => checkFetchUrl(url, STRICT));

    // Assess
    expect(error).toMatchObject({ code: 'BLOCKED_ADDRESS', message: reason });
  });

  it.each([
    'http://8.8.8.8/',
    'http://134744072/',
    'http://172.15.255.255/',
    'http://172.32.0.1/',
    'http://100.63.255.255/',
    'http://100.128.0.1/',
    'http://169.253.255.255/',
    'http://198.17.255.255/',
    'http://223.255.255.255/',
    'http://[2606:4700:4700::1111]/',
    'http://[2a00:1450:4001:80b::200e]/',
    'http://[::ffff:8.8.8.8]/',
    'http://[64:ff9b::8.8.8.8]/',
    'http://[2002:808:808::1]/',
    'https://feeds.example.org/rss',
    'https://xn--80ak6aa92e.com/feed',
  ])('allows the global unicast or named target %s', (url) => {
    // Act
    const checked = checkFetchUrl(url, STRICT);

    // Assess
    expect(checked.href).toBe(new URL(url).href);
  });
});

describe('checkFetchUrl: the loopback opt-in', () => {
  it.each([
    'http://127.0.0.1:47811/feeds/a.xml',
    'http://127.1/',
    'http://127.255.255.254/',
    'http://[::1]/',
    'http://localhost:8080/',
    'http://localhost./',
  ])('allows %s when loopback is allowed', (url) => {
    // Act
    const checked = checkFetchUrl(url, LOOPBACK_ALLOWED);

    // Assess
    expect(checked.href).toBe(new URL(url).href);
  });

  it.each([
    ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped 127.0.0.1'],
    ['http://[64:ff9b::7f00:1]/', 'NAT64 127.0.0.1'],
    ['http://169.254.169.254/', 'instance metadata service'],
    ['http://[fd00:ec2::254]/', 'EC2 instance metadata service'],
    ['http://10.0.0.5/', 'private'],
    ['http://192.168.0.1/', 'private'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
  ])('still refuses %s when loopback is allowed (%s)', (url, reason) => {
    // Act
    const error = refusal(() => checkFetchUrl(url, LOOPBACK_ALLOWED));

    // Assess
    expect(error.code).toBe('BLOCKED_ADDRESS');
    expect(error.message).toContain(reason);
  });
});

describe('checkFetchUrl: schemes and credentials', () => {
  it.each([
    'file:///proc/self/environ',
    'gopher://127.0.0.1:6379/_INFO',
    'ftp://example.org/feed.xml',
    'data:text/xml,<rss/>',
    'javascript:alert(1)',
    'ws://example.org/feed',
    'HTTPX://example.org/',
  ])('refuses %s with UNSUPPORTED_SCHEME', (url) => {
    // Act
    const error = refusal(() => checkFetchUrl(url, LOOPBACK_ALLOWED));

    // Assess
    expect(error.code).toBe('UNSUPPORTED_SCHEME');
  });

  it.each([
    'http://user:hunter2@example.org/feed',
    'https://user@example.org/feed',
    'https://:hunter2@example.org/feed',
    'http://example.org:hunter2@10.0.0.5/',
  ])('refuses %s with CREDENTIALS_IN_URL without repeating the secret', (url) => {
    // Act
    const error = refusal(() => checkFetchUrl(url, LOOPBACK_ALLOWED));

    // Assess
    expect(error.code).toBe('CREDENTIALS_IN_URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses text that is not a URL with BAD_URL', () => {
    // Act
    const error = refusal(() => checkFetchUrl('http://exa mple.org/', STRICT));

    // Assess
    expect(error.code).toBe('BAD_URL');
  });

  it('takes upper-case schemes and hosts as the parser normalises them', () => {
    // Act
    const checked = checkFetchUrl('HTTPS://FEEDS.Example.ORG/RSS', STRICT);

    // Assess
    expect(checked.href).toBe('https://feeds.example.org/RSS');
  });
});

describe('checkRedirect', () => {
  const from = new URL('https://feeds.example.org/rss');

  it('refuses a redirect from HTTPS to plain HTTP with INSECURE_REDIRECT', () => {
    // Act
    const error = refusal(() => checkRedirect(from, 'http://feeds.example.org/rss', STRICT));

    // Assess
    expect(error).toMatchObject({
      code: 'INSECURE_REDIRECT',
      message:
        'refused a redirect from HTTPS to plain HTTP (feeds.example.org → feeds.example.org)',
    });
  });

  it.each([
    ['/other', 'https://feeds.example.org/other'],
    ['//cdn.example.net/rss', 'https://cdn.example.net/rss'],
    ['https://cdn.example.net/rss', 'https://cdn.example.net/rss'],
  ])('follows %s from HTTPS to %s', (location, expected) => {
    // Act
    const next = checkRedirect(from, location, STRICT);

    // Assess
    expect(next.href).toBe(expected);
  });

  it('follows an upgrade from HTTP to HTTPS', () => {
    // Act
    const next = checkRedirect(
      new URL('http://feeds.example.org/'),
      'https://feeds.example.org/',
      STRICT,
    );

    // Assess
    expect(next.protocol).toBe('https:');
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'BLOCKED_ADDRESS'],
    ['https://[::ffff:7f00:1]/', 'BLOCKED_ADDRESS'],
    ['https://localhost/', 'BLOCKED_ADDRESS'],
    ['https://admin:secret@cdn.example.net/', 'CREDENTIALS_IN_URL'],
    ['file:///etc/passwd', 'UNSUPPORTED_SCHEME'],
    ['gopher://cdn.example.net/', 'UNSUPPORTED_SCHEME'],
  ])('applies the URL rules to the target %s (%s)', (location, code) => {
    // Act
    const error = refusal(() => checkRedirect(from, location, STRICT));

    // Assess
    expect(error.code).toBe(code);
  });
});

describe('classifyAddress', () => {
  it.each([
    ['fe80::1%eth0', 'link-local'],
    ['[::1]', 'loopback'],
    ['::ffff:10.0.0.5', 'private'],
    ['2a00:1450:4001:80b::200e', 'global unicast'],
    ['93.184.215.14', 'global unicast'],
  ])('classifies the resolver form %s as %s', (address, range) => {
    // Act
    const found = classifyAddress(address);

    // Assess
    expect(found.range).toBe(range);
  });

  it('throws on text that is not an IP address', () => {
    // Act
    const act = () => classifyAddress('example.org');

    // Assess
    expect(act).toThrow(TypeError);
  });
});

describe('guardedLookup', () => {
  const PUBLIC_V4 = { address: '93.184.215.14', family: 4 };
  const PUBLIC_V6 = { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 };

  /** Calls the lookup as a socket would and settles with what it called back. */
  function lookUp(
    answer: readonly LookupAddress[] | Error,
    options: { all?: boolean; family?: number },
    policy: AddressPolicy = STRICT,
  ): Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }> {
    const resolve: ResolveHost = async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    };
    return new Promise((settle) => {
      guardedLookup(policy, resolve)('feed.example', options, (error, address, family) =>
        settle({ error, address, family }),
      );
    });
  }

  it('hands every address to a socket that asks for all of them', async () => {
    // Act
    const result = await lookUp([PUBLIC_V6, PUBLIC_V4], { all: true });

    // Assess
    expect(result).toEqual({ error: null, address: [PUBLIC_V6, PUBLIC_V4], family: undefined });
  });

  it('hands the first address and its family to a socket that asks for one', async () => {
    // Act
    const result = await lookUp([PUBLIC_V4, PUBLIC_V6], {});

    // Assess
    expect(result).toEqual({ error: null, address: PUBLIC_V4.address, family: 4 });
  });

  it('keeps to the family the socket asked for', async () => {
    // Act
    const result = await lookUp([PUBLIC_V4, PUBLIC_V6], { family: 6 });

    // Assess
    expect(result).toEqual({ error: null, address: PUBLIC_V6.address, family: 6 });
  });

  it.each([
    ['10.0.0.5', 4, '10.0.0.5 is private (resolved from feed.example)'],
    ['127.0.0.1', 4, '127.0.0.1 is loopback (resolved from feed.example)'],
    ['::1', 6, '::1 is loopback (resolved from feed.example)'],
    [
      '169.254.169.254',
      4,
      '169.254.169.254 is link-local (the instance metadata service) (resolved from feed.example)',
    ],
    [
      '::ffff:7f00:1',
      6,
      '::ffff:7f00:1 is IPv4-mapped 127.0.0.1, which is loopback (resolved from feed.example)',
    ],
  ])('refuses a name that resolves to %s', async (address, family, message) => {
    // Act
    const result = await lookUp([{ address, family }], { all: true });

    // Assess
    expect(result.error).toBeInstanceOf(FeedFetchError);
    expect(result.error).toMatchObject({ code: 'BLOCKED_ADDRESS', message });
  });

  it('refuses a name that mixes public and internal addresses rather than picking one', async () => {
    // Act
    const result = await lookUp([PUBLIC_V4, { address: '127.0.0.1', family: 4 }], { all: true });

    // Assess
    expect(result.error).toMatchObject({ code: 'BLOCKED_ADDRESS' });
  });

  it('lets a name resolve to loopback only when loopback is allowed', async () => {
    // Act
    const allowed = await lookUp([{ address: '127.0.0.1', family: 4 }], {}, LOOPBACK_ALLOWED);
    const refused = await lookUp([{ address: '10.0.0.5', family: 4 }], {}, LOOPBACK_ALLOWED);

    // Assess
    expect(allowed).toEqual({ error: null, address: '127.0.0.1', family: 4 });
    expect(refused.error).toMatchObject({ code: 'BLOCKED_ADDRESS' });
  });

  it('refuses an answer that is not an IP address', async () => {
    // Act
    const result = await lookUp([{ address: 'localhost', family: 4 }], {});

    // Assess
    expect(result.error).toMatchObject({
      code: 'BLOCKED_ADDRESS',
      message: 'localhost is not an IP address (resolved from feed.example)',
    });
  });

  it('reports a name without addresses as ENOTFOUND, and passes resolver errors on', async () => {
    // Prepare
    const failure = Object.assign(new Error('queryA ESERVFAIL feed.example'), {
      code: 'ESERVFAIL',
    });

    // Act
    const empty = await lookUp([], {});
    const failed = await lookUp(failure, {});

    // Assess
    expect(empty.error).toMatchObject({ code: 'ENOTFOUND' });
    expect(failed.error).toBe(failure);
  });
});
