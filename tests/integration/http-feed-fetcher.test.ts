import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpFeedFetcher } from '../../functions/adapters/http-feed-fetcher';
import { decodeFeedBody } from '../../functions/core/feeds/decode-body';
import { FeedFetchError } from '../../functions/core/feeds/errors';
import type { FetchResult } from '../../functions/core/ports';

const FEED =
  '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Новости</title></channel></rss>';
const RUSSIAN = 'Россия и Иран подписали договор о всеобъемлющем стратегическом партнёрстве';
const ETAG = '"v1"';
const LAST_MODIFIED = 'Fri, 17 Jan 2025 10:00:00 GMT';

type Route = (request: IncomingMessage, response: ServerResponse) => void;

const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));

const routes: Record<string, Route> = {
  '/feed': (request, response) => {
    if (request.headers['if-none-match'] === ETAG) {
      response.writeHead(304).end();
      return;
    }
    response
      .writeHead(200, {
        'Content-Type': 'application/rss+xml; charset=utf-8',
        ETag: ETAG,
        'Last-Modified': LAST_MODIFIED,
      })
      .end(FEED);
  },
  '/gzip': (_request, response) => {
    response.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(FEED));
  },
  '/deflate': (_request, response) => {
    response.writeHead(200, { 'Content-Encoding': 'deflate' }).end(deflateSync(FEED));
  },
  '/deflate-raw': (_request, response) => {
    response.writeHead(200, { 'Content-Encoding': 'deflate' }).end(deflateRawSync(FEED));
  },
  '/br': (_request, response) => {
    response.writeHead(200, { 'Content-Encoding': 'br' }).end(brotliCompressSync(FEED));
  },
  '/gzip-undeclared': (_request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/xml' }).end(gzipSync(FEED));
  },
  '/cp1251': (_request, response) => {
    const xml = `<?xml version="1.0"?><rss version="2.0"><channel><title>${RUSSIAN}</title></channel></rss>`;
    response
      .writeHead(200, { 'Content-Type': 'application/rss+xml; charset=windows-1251' })
      .end(iconv.encode(xml, 'windows-1251'));
  },
  '/moved': (_request, response) => {
    response.writeHead(301, { Location: '/feed' }).end();
  },
  '/loop': (_request, response) => {
    response.writeHead(302, { Location: '/loop' }).end();
  },
  '/ftp': (_request, response) => {
    response.writeHead(302, { Location: 'ftp://example.org/feed.xml' }).end();
  },
  '/error': (_request, response) => {
    response.writeHead(503, { 'Retry-After': '120' }).end('busy');
  },
  '/drip': (request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/rss+xml' });
    const timer = setInterval(() => response.write('<'), 200);
    request.socket.once('close', () => clearInterval(timer));
  },
  '/large': (_request, response) => {
    // Chunked, no Content-Length: only counting the stream can stop it.
    response.writeHead(200, { 'Content-Type': 'application/rss+xml' });
    for (let chunk = 0; chunk < 64; chunk++) response.write(Buffer.alloc(1024, 0x20));
    response.end();
  },
  '/bomb': (_request, response) => {
    response.writeHead(200, { 'Content-Encoding': 'gzip' }).end(bomb);
  },
};

let server: Server;
let base: string;
const fetchers: HttpFeedFetcher[] = [];

/** A fetcher allowed to reach the loopback test server (deployments never allow it). */
function fetcher(options: ConstructorParameters<typeof HttpFeedFetcher>[0] = {}): HttpFeedFetcher {
  const created = new HttpFeedFetcher({ allowLoopback: true, ...options });
  fetchers.push(created);
  return created;
}

async function fetchError(promise: Promise<FetchResult>): Promise<FeedFetchError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FeedFetchError);
  return error as FeedFetchError;
}

function bodyText(result: FetchResult): string {
  if (result.kind !== 'fetched') throw new Error(`expected a body, got ${result.kind}`);
  return decodeFeedBody(result.body, result.contentType);
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const route = routes[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (route) route(request, response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const created of fetchers) created.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('HttpFeedFetcher', () => {
  it('returns the body with its validators, then not-modified when they still match', async () => {
    // Prepare
    const client = fetcher();

    // Act
    const first = await client.fetch({ url: `${base}/feed` });
    const second = await client.fetch({
      url: `${base}/feed`,
      etag: ETAG,
      lastModified: LAST_MODIFIED,
    });

    // Assess
    expect(first).toMatchObject({
      kind: 'fetched',
      contentType: 'application/rss+xml; charset=utf-8',
      etag: ETAG,
      lastModified: LAST_MODIFIED,
      finalUrl: `${base}/feed`,
    });
    expect(bodyText(first)).toBe(FEED);
    expect(second).toEqual({ kind: 'not-modified' });
  });

  it.each(['/gzip', '/deflate', '/deflate-raw', '/br', '/gzip-undeclared'])(
    'decompresses %s bodies',
    async (path) => {
      // Act
      const result = await fetcher().fetch({ url: `${base}${path}` });

      // Assess
      expect(bodyText(result)).toBe(FEED);
    },
  );

  it('hands a windows-1251 body and its charset to decodeFeedBody', async () => {
    // Act
    const result = await fetcher().fetch({ url: `${base}/cp1251` });

    // Assess
    expect(bodyText(result)).toContain(`<title>${RUSSIAN}</title>`);
  });

  it('follows a redirect and reports the final URL', async () => {
    // Act
    const result = await fetcher().fetch({ url: `${base}/moved` });

    // Assess
    expect(result).toMatchObject({ kind: 'fetched', finalUrl: `${base}/feed` });
  });

  it('stops a redirect loop with TOO_MANY_REDIRECTS', async () => {
    // Act
    const error = await fetchError(fetcher({ maxRedirects: 3 }).fetch({ url: `${base}/loop` }));

    // Assess
    expect(error.code).toBe('TOO_MANY_REDIRECTS');
  });

  it('refuses a redirect to a scheme other than http(s) with UNSUPPORTED_SCHEME', async () => {
    // Act
    const error = await fetchError(fetcher().fetch({ url: `${base}/ftp` }));

    // Assess
    expect(error.code).toBe('UNSUPPORTED_SCHEME');
  });

  it.each(['ftp://example.org/feed.xml', 'file:///etc/passwd'])(
    'refuses %s with UNSUPPORTED_SCHEME',
    async (url) => {
      // Act
      const error = await fetchError(fetcher().fetch({ url }));

      // Assess
      expect(error.code).toBe('UNSUPPORTED_SCHEME');
    },
  );

  it('refuses text that is not a URL with BAD_URL', async () => {
    // Act
    const error = await fetchError(fetcher().fetch({ url: 'not a url' }));

    // Assess
    expect(error.code).toBe('BAD_URL');
  });

  it('refuses the loopback test server itself unless loopback is allowed', async () => {
    // Act
    const error = await fetchError(
      fetcher({ allowLoopback: false }).fetch({ url: `${base}/feed` }),
    );

    // Assess
    expect(error).toMatchObject({ code: 'BLOCKED_ADDRESS', message: '127.0.0.1 is loopback' });
  });

  it('reports a server error with HTTP_STATUS, its status and Retry-After', async () => {
    // Act
    const error = await fetchError(fetcher().fetch({ url: `${base}/error` }));

    // Assess
    expect(error).toMatchObject({ code: 'HTTP_STATUS', status: 503, retryAfter: '120' });
  });

  it('cuts off a slow-drip server with TIMEOUT', async () => {
    // Act
    const error = await fetchError(fetcher({ timeoutMs: 500 }).fetch({ url: `${base}/drip` }));

    // Assess
    expect(error.code).toBe('TIMEOUT');
  });

  it('stops a body over the cap with TOO_LARGE', async () => {
    // Act
    const error = await fetchError(
      fetcher({ maxBytes: 16 * 1024 }).fetch({ url: `${base}/large` }),
    );

    // Assess
    expect(error.code).toBe('TOO_LARGE');
  });

  it('stops a gzip bomb with TOO_LARGE once the decoded size passes the cap', async () => {
    // Act
    const error = await fetchError(
      fetcher({ maxBytes: 1024 * 1024 }).fetch({ url: `${base}/bomb` }),
    );

    // Assess
    expect(error.code).toBe('TOO_LARGE');
  });

  it('reports a refused connection with NETWORK', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    // Act
    const error = await fetchError(fetcher().fetch({ url: `http://127.0.0.1:${port}/feed` }));

    // Assess
    expect(error.code).toBe('NETWORK');
  });
});
