/**
 * Fetch safety (checklist section A) over real sockets: a "victim" server on loopback stands for
 * everything inside (metadata service, runtime API, admin ports) and counts every connection it
 * gets. Names resolve through a stub resolver. Where a case needs a public host, a small network
 * emulation (`emulateNetwork`) serves the public addresses from a loopback server, so nothing
 * leaves the machine while the fetcher still decides where each socket goes.
 */
import { execFile } from 'node:child_process';
import type { LookupAddress } from 'node:dns';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http, {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import {
  type AddressInfo,
  createConnection,
  isIP,
  type LookupFunction,
  type Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResolveHost } from '../../functions/adapters/address-guard';
import { DynamoArticleStore } from '../../functions/adapters/dynamodb/article-store';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamodb/delivery-ledger';
import { DynamoFeedStore } from '../../functions/adapters/dynamodb/feed-store';
import { DynamoMatchStore } from '../../functions/adapters/dynamodb/match-store';
import { DynamoStoryStore } from '../../functions/adapters/dynamodb/story-store';
import { DynamoTopicActivityStore } from '../../functions/adapters/dynamodb/topic-activity-store';
import {
  HttpFeedFetcher,
  type HttpFeedFetcherOptions,
} from '../../functions/adapters/http-feed-fetcher';
import { FeedFetchError } from '../../functions/core/feeds/errors';
import { parseFeedList } from '../../functions/core/feeds/feed-list';
import { feedIdFor } from '../../functions/core/ids';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import type { FeedConfig } from '../../functions/core/model';
import type { PollDependencies } from '../../functions/core/pipeline/poll-feed';
import { runPollCycle } from '../../functions/core/pipeline/run-poll-cycle';
import { eachArticleItsOwnStory } from '../../functions/core/pipeline/story-folder';
import type { FetchResult } from '../../functions/core/ports';
import { runLocal } from '../../functions/local/local-runner';
import { createTestTables } from '../support/dynamo';

const FEED =
  '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><guid>w-1</guid><title>Rail corridor</title></item></channel></rss>';
/** Public-looking addresses; `emulateNetwork` serves them from loopback. */
const PUBLIC = '93.184.215.14';
const PUBLIC_CDN = '93.184.215.15';
const MiB = 1024 * 1024;

type Route = (request: IncomingMessage, response: ServerResponse) => void;

interface TestServer {
  port: number;
  /** TCP connections accepted: the number a leak would raise. */
  connections: number;
  requests: { host?: string; path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startServer(routes: Record<string, Route>, fallback?: Route): Promise<TestServer> {
  const state: TestServer = {
    port: 0,
    connections: 0,
    requests: [],
    close: async () => {},
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    state.requests.push({ host: request.headers.host, path, headers: request.headers });
    const route = routes[path] ?? fallback;
    if (route) route(request, response);
    else response.writeHead(404).end();
  });
  server.on('connection', () => {
    state.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

const feedRoute: Route = (_request, response) => {
  response.writeHead(200, { 'Content-Type': 'application/rss+xml' }).end(FEED);
};

const redirect =
  (location: () => string, status = 302, headers: Record<string, string> = {}): Route =>
  (_request, response) => {
    response.writeHead(status, { Location: location(), ...headers }).end();
  };

/** Stands for everything inside: answers anything, so a leak would even "succeed". */
let victim: TestServer;
/** Serves the public hosts `news.example` and `cdn.example` through `emulateNetwork`. */
let site: TestServer;

const victimUrl = (path = '/secret') => `http://127.0.0.1:${victim.port}${path}`;

beforeAll(async () => {
  victim = await startServer({}, feedRoute);
  const hops: Record<string, Route> = {};
  for (let hop = 1; hop <= 6; hop++) hops[`/hop/${hop}`] = redirect(() => `/hop/${hop - 1}`);
  site = await startServer({
    '/feed': feedRoute,
    '/hop/0': feedRoute,
    ...hops,
    '/moved': redirect(() => '/feed', 301),
    '/to-victim': redirect(() => victimUrl()),
    '/to-victim-mapped': redirect(() => `http://[::ffff:127.0.0.1]:${victim.port}/secret`),
    '/to-metadata': redirect(() => 'http://169.254.169.254/latest/meta-data/iam/'),
    '/to-internal-name': redirect(() => `http://internal.example:${victim.port}/secret`),
    '/loop-a': redirect(() => '/loop-b'),
    '/loop-b': redirect(() => '/loop-a'),
    '/login': redirect(() => 'http://cdn.example/feed', 302, {
      'Set-Cookie': 'session=s3cret; Path=/',
    }),
    '/to-credentials': redirect(() => 'http://reader:hunter2@cdn.example/feed'),
  });
});

afterAll(async () => {
  await victim.close();
  await site.close();
});

/** The stub DNS: names, the addresses they resolve to, and how often each was asked for. */
function stubResolver(zone: Record<string, string[] | (() => string[])>) {
  const calls: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    calls.push(hostname);
    const entry = zone[hostname];
    const addresses = typeof entry === 'function' ? entry() : entry;
    if (!addresses) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    return addresses.map((address) => ({ address, family: isIP(address) }));
  };
  return { resolve, calls };
}

const ZONE = {
  'news.example': [PUBLIC],
  'cdn.example': [PUBLIC_CDN],
  'internal.example': ['10.0.0.5'],
  'loopback.example': ['127.0.0.1'],
  'v6-loopback.example': ['::1'],
  'metadata.example': ['169.254.169.254'],
};

/** The system resolver as sockets would use it when given no `lookup` of the fetcher's own. */
function lookupThrough(resolve: ResolveHost): LookupFunction {
  return (hostname, _options, callback) => {
    resolve(hostname).then(
      (addresses) => callback(null, [...addresses]),
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/**
 * Replaces the HTTP agent's socket factory with a small network: like `net.connect`, it skips
 * the lookup for IP literals and otherwise resolves through the request's `lookup` (the
 * fetcher's guard) or, without one, through the stub DNS, as the system resolver would. Public
 * addresses are served by `site`; loopback is connected for real (the victim counts it); any
 * other address is recorded and refused, never dialled.
 */
function emulateNetwork(resolve: ResolveHost) {
  const opened: string[] = [];
  const served = new Map([
    [PUBLIC, site.port],
    [PUBLIC_CDN, site.port],
  ]);
  const connectTo = (address: string, port: number): Socket => {
    opened.push(address);
    const sitePort = served.get(address);
    if (sitePort) return createConnection({ host: '127.0.0.1', port: sitePort });
    if (address.startsWith('127.') || address === '::1')
      return createConnection({ host: address, port });
    // Not dialled: a refusal the fetcher sees as a network error.
    return createConnection({ host: '127.0.0.1', port: 1 });
  };
  const factory = vi
    .spyOn(http.Agent.prototype, 'createConnection')
    .mockImplementation((options, oncreate) => {
      const host = options.host ?? 'localhost';
      const port = Number(options.port);
      const done = oncreate as (error: Error | null, socket?: Socket) => void;
      if (isIP(host)) return connectTo(host, port);
      const lookup = options.lookup ?? lookupThrough(resolve);
      lookup(host, { all: true }, (error, addresses) => {
        const first = (addresses as LookupAddress[] | undefined)?.[0];
        if (error || !first) done(error ?? new Error(`no address for ${host}`));
        else done(null, connectTo(first.address, port));
      });
      return undefined;
    });
  return { opened, factory };
}

const fetchers: HttpFeedFetcher[] = [];
function fetcher(options: HttpFeedFetcherOptions = {}): HttpFeedFetcher {
  const created = new HttpFeedFetcher(options);
  fetchers.push(created);
  return created;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const created of fetchers.splice(0)) created.destroy();
  victim.connections = 0;
  victim.requests.length = 0;
  site.connections = 0;
  site.requests.length = 0;
});

async function fetchError(promise: Promise<FetchResult>): Promise<FeedFetchError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FeedFetchError);
  return error as FeedFetchError;
}

/**
 * Counts the sockets the HTTP agent opens. Through the emulated network, so that even a broken
 * guard dials nothing outside this machine.
 */
function countSockets() {
  return emulateNetwork(stubResolver({}).resolve).factory;
}

describe('internal addresses in the feed URL (A1, A2, A11)', () => {
  it('refuses the metadata service before any socket is opened (A1)', async () => {
    // Prepare
    const sockets = countSockets();
    const dns = stubResolver(ZONE);

    // Act
    const error = await fetchError(
      fetcher({ resolve: dns.resolve }).fetch({
        url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      }),
    );

    // Assess
    expect(error).toMatchObject({
      code: 'BLOCKED_ADDRESS',
      message: '169.254.169.254 is link-local (the instance metadata service)',
    });
    expect(sockets).not.toHaveBeenCalled();
    expect(dns.calls).toEqual([]);
  });

  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/`],
    ['decimal', (port: number) => `http://2130706433:${port}/`],
    ['octal', (port: number) => `http://0177.0.0.1:${port}/`],
    ['hex', (port: number) => `http://0x7f.0.0.1:${port}/`],
    ['short', (port: number) => `http://127.1:${port}/`],
    ['trailing dot', (port: number) => `http://127.0.0.1.:${port}/`],
    ['[::1]', (port: number) => `http://[::1]:${port}/`],
    ['[::ffff:127.0.0.1]', (port: number) => `http://[::ffff:127.0.0.1]:${port}/`],
    ['[::ffff:7f00:1]', (port: number) => `http://[::ffff:7f00:1]:${port}/`],
    ['[::127.0.0.1]', (port: number) => `http://[::127.0.0.1]:${port}/`],
    ['0.0.0.0', (port: number) => `http://0.0.0.0:${port}/`],
    ['0', (port: number) => `http://0:${port}/`],
    ['[::]', (port: number) => `http://[::]:${port}/`],
    ['[fd00:ec2::254]', () => 'http://[fd00:ec2::254]/latest/meta-data/'],
    ['localhost', (port: number) => `http://localhost:${port}/`],
    ['LOCALHOST.', (port: number) => `http://LOCALHOST.:${port}/`],
  ])('refuses the literal %s with BLOCKED_ADDRESS and no connection (A2)', async (_name, url) => {
    // Prepare
    const sockets = countSockets();

    // Act
    const error = await fetchError(fetcher().fetch({ url: url(victim.port) }));

    // Assess
    expect(error.code).toBe('BLOCKED_ADDRESS');
    expect(sockets).not.toHaveBeenCalled();
    expect(victim.connections).toBe(0);
  });

  it('refuses the Lambda runtime API that AWS_LAMBDA_RUNTIME_API names (A11)', async () => {
    // Prepare: the value Lambda sets in every function's environment.
    const runtimeApi = '127.0.0.1:9001';
    const sockets = countSockets();

    // Act
    const error = await fetchError(
      fetcher().fetch({ url: `http://${runtimeApi}/2018-06-01/runtime/invocation/next` }),
    );

    // Assess
    expect(error).toMatchObject({ code: 'BLOCKED_ADDRESS', message: '127.0.0.1 is loopback' });
    expect(sockets).not.toHaveBeenCalled();
  });
});

describe('names that resolve inside (A3, A4)', () => {
  it.each([
    ['internal.example', '10.0.0.5 is private (resolved from internal.example)'],
    ['loopback.example', '127.0.0.1 is loopback (resolved from loopback.example)'],
    ['v6-loopback.example', '::1 is loopback (resolved from v6-loopback.example)'],
    [
      'metadata.example',
      '169.254.169.254 is link-local (the instance metadata service) (resolved from metadata.example)',
    ],
  ])('refuses %s at connect time (A3)', async (name, message) => {
    // Prepare: real sockets, resolving through the stub.
    const dns = stubResolver(ZONE);

    // Act
    const error = await fetchError(
      fetcher({ resolve: dns.resolve }).fetch({ url: `http://${name}:${victim.port}/feed` }),
    );

    // Assess: the name was resolved (by the socket's lookup) and the address refused.
    expect(error).toMatchObject({ code: 'BLOCKED_ADDRESS', message });
    expect(dns.calls).toEqual([name]);
    expect(victim.connections).toBe(0);
  });

  it('connects where the guarded lookup says: the socket resolves through it (A3)', async () => {
    // Prepare: a name no real DNS knows; loopback allowed, as the demo does.
    const dns = stubResolver({ 'feed.test': ['127.0.0.1'] });

    // Act
    const result = await fetcher({ resolve: dns.resolve, allowLoopback: true }).fetch({
      url: `http://feed.test:${victim.port}/feed`,
    });

    // Assess
    expect(result.kind).toBe('fetched');
    expect(dns.calls).toEqual(['feed.test']);
    expect(victim.connections).toBe(1);
  });

  it('never connects to loopback when a name answers public first, then 127.0.0.1 (A4)', async () => {
    // Prepare: DNS rebinding. A fetcher that checked one answer and let the socket resolve
    // again would connect to the victim with the second.
    let answers = 0;
    const dns = stubResolver({
      'rebind.example': () => (answers++ === 0 ? [PUBLIC] : ['127.0.0.1']),
    });
    const network = emulateNetwork(dns.resolve);
    const url = `http://rebind.example:${victim.port}/feed`;

    // Act
    const first = await fetcher({ resolve: dns.resolve }).fetch({ url });
    const second = await fetchError(fetcher({ resolve: dns.resolve }).fetch({ url }));

    // Assess: one resolution per connection, and the socket went to the address checked.
    expect(first.kind).toBe('fetched');
    expect(second).toMatchObject({
      code: 'BLOCKED_ADDRESS',
      message: '127.0.0.1 is loopback (resolved from rebind.example)',
    });
    expect(victim.connections).toBe(0);
    expect(network.opened).toEqual([PUBLIC]);
    expect(dns.calls).toEqual(['rebind.example', 'rebind.example']);
  });
});

describe('redirects (A5, A6, A8)', () => {
  it.each([
    ['/to-victim', '127.0.0.1 is loopback'],
    ['/to-victim-mapped', '::ffff:7f00:1 is IPv4-mapped 127.0.0.1, which is loopback'],
    ['/to-metadata', '169.254.169.254 is link-local (the instance metadata service)'],
    ['/to-internal-name', '10.0.0.5 is private (resolved from internal.example)'],
  ])('refuses the hop %s from a public feed (A5)', async (path, message) => {
    // Prepare
    const dns = stubResolver(ZONE);
    const network = emulateNetwork(dns.resolve);

    // Act
    const error = await fetchError(
      fetcher({ resolve: dns.resolve }).fetch({ url: `http://news.example${path}` }),
    );

    // Assess
    expect(error).toMatchObject({ code: 'BLOCKED_ADDRESS', message });
    expect(network.opened).toEqual([PUBLIC]);
    expect(victim.connections).toBe(0);
  });

  it('follows 5 redirects and refuses the 6th with TOO_MANY_REDIRECTS (A6)', async () => {
    // Prepare
    const dns = stubResolver(ZONE);
    emulateNetwork(dns.resolve);
    const client = fetcher({ resolve: dns.resolve });

    // Act
    const five = await client.fetch({ url: 'http://news.example/hop/5' });
    const requestsForFive = site.requests.length;
    const six = await fetchError(client.fetch({ url: 'http://news.example/hop/6' }));

    // Assess: six requests for five redirects; the sixth redirect is not followed.
    expect(five).toMatchObject({ kind: 'fetched', finalUrl: 'http://news.example/hop/0' });
    expect(requestsForFive).toBe(6);
    expect(six.code).toBe('TOO_MANY_REDIRECTS');
    expect(site.requests.slice(requestsForFive).map((request) => request.path)).toEqual([
      '/hop/6',
      '/hop/5',
      '/hop/4',
      '/hop/3',
      '/hop/2',
      '/hop/1',
    ]);
  });

  it('stops a redirect loop A→B→A as soon as it comes back (A6)', async () => {
    // Prepare
    const dns = stubResolver(ZONE);
    emulateNetwork(dns.resolve);

    // Act
    const error = await fetchError(
      fetcher({ resolve: dns.resolve }).fetch({ url: 'http://news.example/loop-a' }),
    );

    // Assess
    expect(error).toMatchObject({
      code: 'TOO_MANY_REDIRECTS',
      message: 'redirect loop back to http://news.example/loop-a',
    });
    expect(site.requests.map((request) => request.path)).toEqual(['/loop-a', '/loop-b']);
  });

  it('sends no cookie or Authorization to either host of a cross-host redirect (A8)', async () => {
    // Prepare: the first host sets a cookie and redirects to another host.
    const dns = stubResolver(ZONE);
    emulateNetwork(dns.resolve);

    // Act
    const result = await fetcher({ resolve: dns.resolve }).fetch({
      url: 'http://news.example/login',
    });

    // Assess
    expect(result).toMatchObject({ kind: 'fetched', finalUrl: 'http://cdn.example/feed' });
    expect(site.requests.map((request) => request.host)).toEqual(['news.example', 'cdn.example']);
    for (const { headers } of site.requests) {
      expect(headers.cookie).toBeUndefined();
      expect(headers.authorization).toBeUndefined();
      expect(Object.keys(headers).sort()).toEqual(
        ['accept', 'accept-encoding', 'connection', 'host', 'user-agent'].sort(),
      );
    }
  });

  it('refuses a redirect whose target carries credentials, before connecting to it (A8)', async () => {
    // Prepare
    const dns = stubResolver(ZONE);
    const network = emulateNetwork(dns.resolve);

    // Act
    const error = await fetchError(
      fetcher({ resolve: dns.resolve }).fetch({ url: 'http://news.example/to-credentials' }),
    );

    // Assess
    expect(error.code).toBe('CREDENTIALS_IN_URL');
    expect(error.message).not.toContain('hunter2');
    expect(network.opened).toEqual([PUBLIC]);
    expect(site.requests).toHaveLength(1);
  });
});

describe('schemes and credentials (A9, A10)', () => {
  it.each([
    'file:///proc/self/environ',
    'gopher://127.0.0.1:6379/_INFO',
    'ftp://example.org/feed.xml',
    'data:text/xml,<rss/>',
    'javascript:alert(1)',
  ])('refuses %s at poll time and in the feed list (A9)', async (url) => {
    // Prepare
    const sockets = countSockets();

    // Act
    const error = await fetchError(fetcher({ allowLoopback: true }).fetch({ url }));
    const subscribing = () => parseFeedList([{ url, name: 'Feed', language: 'en' }]);

    // Assess
    expect(error.code).toBe('UNSUPPORTED_SCHEME');
    expect(subscribing).toThrow('must be an http(s) URL');
    expect(sockets).not.toHaveBeenCalled();
  });

  it('refuses user:pass@ with CREDENTIALS_IN_URL and sends nothing (A10)', async () => {
    // Prepare
    const sockets = countSockets();

    // Act
    const error = await fetchError(
      fetcher({ allowLoopback: true }).fetch({
        url: `http://reader:hunter2@127.0.0.1:${victim.port}/feed`,
      }),
    );

    // Assess
    expect(error.code).toBe('CREDENTIALS_IN_URL');
    expect(error.message).not.toContain('hunter2');
    expect(sockets).not.toHaveBeenCalled();
    expect(victim.connections).toBe(0);
  });
});

describe('caps (A12, A13, A14, A15)', () => {
  let slow: TestServer;
  let drips = 0;
  /** Bytes the endless body route wrote before the client went away. */
  let endlessSent = 0;
  const bombMember = gzipSync(Buffer.alloc(MiB));
  /** About 1 MB on the wire, 1 GiB decoded: 1,024 gzip members of 1 MiB of zeros each. */
  const bomb = Buffer.concat(Array.from({ length: 1024 }, () => bombMember));

  beforeAll(async () => {
    slow = await startServer({
      '/feed': feedRoute,
      '/drip': (request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/rss+xml' });
        const timer = setInterval(() => {
          drips++;
          response.write('<');
        }, 200);
        request.socket.once('close', () => clearInterval(timer));
      },
      '/endless': (_request, response) => {
        // 64 MiB, chunked (no Content-Length), written as fast as the client reads.
        response.writeHead(200, { 'Content-Type': 'application/rss+xml' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (endlessSent < 64 * MiB) {
            endlessSent += chunk.length;
            if (!response.write(chunk)) {
              response.once('drain', pump);
              return;
            }
          }
          response.end();
        };
        pump();
      },
      '/bomb': (_request, response) => {
        response.writeHead(200, { 'Content-Encoding': 'gzip' }).end(bomb);
      },
    });
  });

  afterAll(async () => {
    await slow.close();
  });

  async function cycleOver(client: HttpFeedFetcher, urls: string[]) {
    const now = new Date('2025-05-01T10:00:00Z');
    const tables = await createTestTables();
    const feeds = new DynamoFeedStore(tables.document, tables.names.feeds);
    const configs: FeedConfig[] = urls.map((url) => ({
      id: feedIdFor(url),
      url,
      name: url,
      language: 'en',
    }));
    await feeds.addFeeds(configs, now);
    const deps: PollDependencies = {
      feeds,
      articles: new DynamoArticleStore(tables.document, tables.names.articles, {
        retentionDays: 30,
      }),
      matches: new DynamoMatchStore(tables.document, tables.names.matches, { retentionDays: 30 }),
      fetcher: client,
      matcher: compileTopics([], {}),
      stories: {
        folder: eachArticleItsOwnStory,
        store: new DynamoStoryStore(tables.document, tables.names.stories, { retentionDays: 30 }),
      },
      delivery: {
        ledger: new DynamoDeliveryLedger(tables.document, tables.names.deliveries, {
          retentionDays: 30,
        }),
        publisher: { publish: async () => ({ published: [], failed: [] }) },
        audiences: [],
        settings: { smsPerHour: 5 },
      },
      activity: new DynamoTopicActivityStore(tables.document, tables.names.stories, {
        retentionDays: 30,
      }),
      topicNames: {},
      clock: { now: () => now },
      settings: { pollIntervalMs: 60_000, maxBackoffMs: 3_600_000 },
    };
    return { deps, feeds, configs, now };
  }

  it('cuts a slow drip and a silent connect at their deadlines; the other feed of the run finishes (A12, A13)', async () => {
    // Prepare: 1 byte per 200 ms; a name whose resolution never answers (the connect phase).
    const base = `http://127.0.0.1:${slow.port}`;
    const client = fetcher({
      allowLoopback: true,
      timeoutMs: 1_000,
      connectTimeoutMs: 300,
      resolve: () => new Promise<never>(() => {}),
    });
    const { deps } = await cycleOver(client, [
      `${base}/drip`,
      'http://blackhole.example/feed',
      `${base}/feed`,
    ]);
    const started = performance.now();

    // Act
    const report = await runPollCycle(deps, { concurrency: 3 });
    const elapsed = performance.now() - started;

    // Assess
    expect(report).toMatchObject({ feedsPolled: 3, feedsFailed: 2, newArticles: 1 });
    expect(
      Object.fromEntries(report.failures.map((failure) => [failure.url, failure.reason])),
    ).toEqual({
      [`${base}/drip`]: 'TIMEOUT: no complete answer within 1000 ms',
      'http://blackhole.example/feed': 'TIMEOUT: no connection to blackhole.example within 300 ms',
    });
    expect(drips).toBeGreaterThanOrEqual(3);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('stops a 64 MiB chunked body at the byte cap with bounded memory (A14)', async () => {
    // Prepare
    const before = process.memoryUsage().rss;

    // Act
    const error = await fetchError(
      fetcher({ allowLoopback: true, maxBytes: 2 * MiB }).fetch({
        url: `http://127.0.0.1:${slow.port}/endless`,
      }),
    );
    const grown = process.memoryUsage().rss - before;

    // Assess: the server could not push the whole body; memory grew by far less than 64 MiB.
    expect(error).toMatchObject({
      code: 'TOO_LARGE',
      message: `the body is over ${2 * MiB} bytes`,
    });
    expect(endlessSent).toBeLessThan(16 * MiB);
    expect(grown).toBeLessThan(32 * MiB);
  });

  it('stops a gzip bomb (1 MB that inflates to 1 GiB) at the decoded cap (A15)', async () => {
    // Prepare: the deployed cap.
    const before = process.memoryUsage().rss;
    const started = performance.now();

    // Act
    const error = await fetchError(
      fetcher({ allowLoopback: true }).fetch({ url: `http://127.0.0.1:${slow.port}/bomb` }),
    );

    // Assess
    expect(bomb.length).toBeLessThan(2 * MiB);
    expect(error).toMatchObject({
      code: 'TOO_LARGE',
      message: `the body is over ${15 * MiB} bytes`,
    });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MiB);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('keeps the stored feed URL through redirects and stores why a hop was refused (A1, A5)', async () => {
    // Prepare
    const dns = stubResolver(ZONE);
    emulateNetwork(dns.resolve);
    const { deps, feeds, configs } = await cycleOver(fetcher({ resolve: dns.resolve }), [
      'http://news.example/moved',
      'http://news.example/to-victim',
      'http://169.254.169.254/latest/meta-data/',
    ]);

    // Act
    const report = await runPollCycle(deps, { concurrency: 1 });
    const stored = await Promise.all(configs.map((config) => feeds.getFeed(config.id)));

    // Assess: the URLs are those of the feed list; the failures say why, once each.
    expect(report).toMatchObject({ feedsPolled: 3, feedsFailed: 2, newArticles: 1 });
    expect(stored.map((feed) => feed?.url)).toEqual(configs.map((config) => config.url));
    expect(stored.map((feed) => [feed?.consecutiveErrors, feed?.lastError])).toEqual([
      [0, undefined],
      [1, 'BLOCKED_ADDRESS: 127.0.0.1 is loopback'],
      [1, 'BLOCKED_ADDRESS: 169.254.169.254 is link-local (the instance metadata service)'],
    ]);
    expect(victim.connections).toBe(0);
  });
});

describe('entry points', () => {
  const ROOT = join(import.meta.dirname, '../..');

  async function cli(...args: string[]) {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [join(ROOT, 'bin/news-alerts.js'), ...args],
        { cwd: ROOT },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('news-alerts poll --url refuses loopback in one line, and fetches it with --allow-loopback', async () => {
    // Act
    const refused = await cli('poll', '--url', victimUrl('/feed'));
    const allowed = await cli('poll', '--url', victimUrl('/feed'), '--allow-loopback');
    const help = await cli('help');

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toEqual([
      'news-alerts: BLOCKED_ADDRESS: 127.0.0.1 is loopback',
    ]);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout.trim())).toMatchObject({ title: 'Rail corridor' });
    expect(victim.requests).toHaveLength(1);
    expect(help.stdout).toContain('--allow-loopback');
  });

  it('the live local runner refuses a loopback feed; only the demo opts in', async () => {
    // Prepare: a live feed list that points inside.
    const dir = await mkdtemp(join(tmpdir(), 'news-alerts-fetch-'));
    const feedsFile = join(dir, 'feeds.json');
    await writeFile(
      feedsFile,
      JSON.stringify([{ url: victimUrl('/feed'), name: 'Inside', language: 'en' }]),
    );

    // Act
    const [summary] = await runLocal({
      dataDir: dir,
      demo: false,
      once: true,
      intervalSeconds: 900,
      concurrency: 2,
      feedsFile,
      demoPort: 0,
      retentionDays: 30,
      smsPerHour: 5,
      inMemory: true,
      print: () => {},
    });

    // Assess
    expect(summary?.failures).toEqual([
      expect.objectContaining({ reason: 'BLOCKED_ADDRESS: 127.0.0.1 is loopback' }),
    ]);
    expect(victim.connections).toBe(0);
  });
});
