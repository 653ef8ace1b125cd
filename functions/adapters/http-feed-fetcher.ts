/**
 * Fetches feeds over HTTP(S) with node:http/node:https: conditional GET, manual redirects,
 * decompression (gzip, deflate with or without zlib wrapper, brotli) bounded by a cap on the
 * decoded size, one deadline for the whole fetch, and every failure as a `FeedFetchError`.
 * Where it may connect is `address-guard`'s decision, applied to every hop and every socket.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { FeedFetchError } from '../core/feeds/errors';
import type { CacheHeaders, FeedFetcher, FetchRequest, FetchResult } from '../core/ports';
import {
  type AddressPolicy,
  checkFetchUrl,
  checkRedirect,
  guardedLookup,
  type ResolveHost,
  systemResolve,
} from './address-guard';

export interface HttpFeedFetcherOptions {
  /** Deadline for the whole fetch, redirects and body included (ms). */
  timeoutMs?: number;
  /** Deadline for each TCP connection to be established (ms). */
  connectTimeoutMs?: number;
  /** Cap on the decoded body (bytes): a gzip bomb stops here. */
  maxBytes?: number;
  maxRedirects?: number;
  userAgent?: string;
  /**
   * Lets the fetcher connect to 127.0.0.0/8, ::1 and `localhost` (never private, link-local or
   * metadata addresses): the demo's feed server and tests. Off in every deployment.
   */
  allowLoopback?: boolean;
  /** How host names become addresses; tests inject a stub resolver. */
  resolve?: ResolveHost;
}

const DEFAULTS = {
  timeoutMs: 15_000,
  connectTimeoutMs: 5_000,
  maxBytes: 15 * 1024 * 1024,
  maxRedirects: 5,
  userAgent: 'news-alerts/0.1 (+feed poller)',
  allowLoopback: false,
  resolve: systemResolve,
} satisfies Required<HttpFeedFetcherOptions>;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const ACCEPT =
  'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5';

/** What one request/response exchange produced. */
type Hop = FetchResult | { kind: 'redirect'; location: string };

/** The caching headers, when the server sent any that ask for a wait. */
function cacheHeaders(response: IncomingMessage): CacheHeaders | undefined {
  const { headers } = response;
  if (!headers['cache-control'] && !headers.expires) return undefined;
  return {
    cacheControl: headers['cache-control'],
    expires: headers.expires,
    date: headers.date,
    age: headers.age,
  };
}

/** Header values we send back must be plain visible ASCII; a stored value may not be. */
function headerValue(value: string | undefined): string | undefined {
  return value && /^[\t\x20-\x7e]+$/.test(value) ? value : undefined;
}

/**
 * Picks a decompressor from the first bytes of the body, then streams through it. Needed because
 * "deflate" is sent both zlib-wrapped (as the RFC says) and raw (as some servers do), and because
 * some servers send gzip files without saying so (as `.xml.gz` or misconfigured caches).
 */
class SniffingDecoder extends Transform {
  private inner: Transform | undefined;
  private chosen = false;

  constructor(private readonly choose: (head: Buffer) => Transform | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (!this.chosen) {
      this.chosen = true;
      this.inner = this.choose(chunk);
      // Backpressure from our reader reaches the decompressor, so a bomb inflates no faster
      // than the collector counts it.
      this.inner?.on('data', (data: Buffer) => {
        if (!this.push(data)) this.inner?.pause();
      });
      this.inner?.on('error', (error) => this.destroy(error));
    }
    if (!this.inner) {
      done(null, chunk);
    } else if (this.inner.write(chunk)) {
      done();
    } else {
      this.inner.once('drain', () => done());
    }
  }

  override _read(size: number): void {
    this.inner?.resume();
    super._read(size);
  }

  override _flush(done: TransformCallback): void {
    if (!this.inner) {
      done();
      return;
    }
    this.inner.once('end', () => done());
    this.inner.end();
  }

  override _destroy(error: Error | null, done: (error: Error | null) => void): void {
    this.inner?.destroy();
    done(error);
  }
}

const isGzip = (head: Buffer): boolean => head[0] === 0x1f && head[1] === 0x8b;

/** A zlib-wrapped deflate stream starts with CMF/FLG: method 8 and a multiple-of-31 check. */
const isZlibWrapped = (head: Buffer): boolean =>
  head.length >= 2 &&
  ((head[0] ?? 0) & 0x0f) === 8 &&
  (((head[0] ?? 0) << 8) | (head[1] ?? 0)) % 31 === 0;

/** Truncated streams are common on the web; flushing keeps what arrived instead of failing. */
const ZLIB_OPTIONS = { finishFlush: zlib.constants.Z_SYNC_FLUSH };

function decoderFor(contentEncoding: string | undefined): SniffingDecoder {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  switch (encoding) {
    case '':
    case 'identity':
      return new SniffingDecoder((head) =>
        isGzip(head) ? zlib.createGunzip(ZLIB_OPTIONS) : undefined,
      );
    case 'gzip':
    case 'x-gzip':
      return new SniffingDecoder(() => zlib.createGunzip(ZLIB_OPTIONS));
    case 'deflate':
      return new SniffingDecoder((head) =>
        isZlibWrapped(head)
          ? zlib.createInflate(ZLIB_OPTIONS)
          : zlib.createInflateRaw(ZLIB_OPTIONS),
      );
    case 'br':
      return new SniffingDecoder(() =>
        zlib.createBrotliDecompress({
          finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
        }),
      );
    default:
      throw new FeedFetchError('BAD_ENCODING', `unsupported Content-Encoding: ${encoding}`);
  }
}

/** Collects the decoded body, failing as soon as it passes the cap so memory stays bounded. */
class CappedCollector extends Writable {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error) => void): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(new FeedFetchError('TOO_LARGE', `the body is over ${this.maxBytes} bytes`));
      return;
    }
    this.chunks.push(chunk);
    done();
  }

  body(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** Maps anything a request, a stream or zlib threw to a `FeedFetchError`. */
function toFetchError(error: unknown, signal: AbortSignal): FeedFetchError {
  if (signal.aborted && signal.reason instanceof FeedFetchError) return signal.reason;
  if (error instanceof FeedFetchError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR'))) {
    return new FeedFetchError('BAD_ENCODING', `cannot decompress the body: ${message}`, {
      cause: error,
    });
  }
  return new FeedFetchError('NETWORK', message || String(code ?? 'network error'), {
    cause: error,
  });
}

export class HttpFeedFetcher implements FeedFetcher {
  private readonly options: Required<HttpFeedFetcherOptions>;
  private readonly policy: AddressPolicy;
  /** Every socket resolves through this, so each connect is to an address that was checked. */
  private readonly lookup: LookupFunction;
  // Agents of our own keep connections alive between feeds of one host. A kept socket was
  // checked when it connected; it is reused only for the same host and port.
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  constructor(options: HttpFeedFetcherOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.policy = { allowLoopback: this.options.allowLoopback };
    this.lookup = guardedLookup(this.policy, this.options.resolve);
  }

  async fetch(request: FetchRequest): Promise<FetchResult> {
    const controller = new AbortController();
    const deadline = setTimeout(
      () =>
        controller.abort(
          new FeedFetchError('TIMEOUT', `no complete answer within ${this.options.timeoutMs} ms`),
        ),
      this.options.timeoutMs,
    );
    try {
      let url = checkFetchUrl(request.url, this.policy);
      const visited = new Set([url.href]);
      for (let redirects = 0; ; redirects++) {
        const hop = await this.exchange(url, request, controller.signal);
        if (hop.kind !== 'redirect') return hop;
        if (redirects >= this.options.maxRedirects) {
          throw new FeedFetchError(
            'TOO_MANY_REDIRECTS',
            `more than ${this.options.maxRedirects} redirects from ${url.host}`,
          );
        }
        // The target is checked like the first URL before anything connects to it. It is only
        // reported (`finalUrl`); the stored feed URL stays the one the feed list gave.
        url = checkRedirect(url, hop.location, this.policy);
        if (visited.has(url.href)) {
          throw new FeedFetchError('TOO_MANY_REDIRECTS', `redirect loop back to ${url.href}`);
        }
        visited.add(url.href);
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Closes kept-alive connections (tests, and the local runner at exit). */
  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async exchange(url: URL, request: FetchRequest, signal: AbortSignal): Promise<Hop> {
    const response = await this.send(url, request, signal);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      // Bodies of non-2xx answers are never read: destroying is the only way to be sure an
      // endless one stops.
      response.destroy();
      if (status === 304) {
        const cache = cacheHeaders(response);
        return cache ? { kind: 'not-modified', cache } : { kind: 'not-modified' };
      }
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(status) && location) return { kind: 'redirect', location };
      const retryAfter = response.headers['retry-after'];
      throw new FeedFetchError('HTTP_STATUS', `HTTP ${status} from ${url.href}`, {
        status,
        retryAfter,
      });
    }
    return this.readBody(url, response, signal);
  }

  private async readBody(
    url: URL,
    response: IncomingMessage,
    signal: AbortSignal,
  ): Promise<FetchResult> {
    const { maxBytes } = this.options;
    const contentEncoding = response.headers['content-encoding'];
    const declaredLength = Number(response.headers['content-length']);
    try {
      if (!contentEncoding && declaredLength > maxBytes) {
        throw new FeedFetchError('TOO_LARGE', `Content-Length ${declaredLength} is over the cap`);
      }
      const collector = new CappedCollector(maxBytes);
      // pipeline destroys every stage on error or abort, so no socket or zlib handle leaks.
      await pipeline(response, decoderFor(contentEncoding), collector, { signal });
      return {
        kind: 'fetched',
        cache: cacheHeaders(response),
        body: collector.body(),
        contentType: response.headers['content-type'],
        etag: response.headers.etag,
        lastModified: response.headers['last-modified'],
        finalUrl: url.href,
      };
    } catch (error) {
      response.destroy();
      throw toFetchError(error, signal);
    }
  }

  /**
   * Sends one GET and resolves with the response head. The headers are built here and nowhere
   * else: no Authorization or Cookie is ever sent, so none can follow a redirect to another host.
   */
  private send(url: URL, request: FetchRequest, signal: AbortSignal): Promise<IncomingMessage> {
    const { connectTimeoutMs, userAgent } = this.options;
    const headers: Record<string, string> = {
      'User-Agent': userAgent,
      Accept: ACCEPT,
      'Accept-Encoding': 'gzip, deflate, br',
    };
    const etag = headerValue(request.etag);
    const lastModified = headerValue(request.lastModified);
    if (etag) headers['If-None-Match'] = etag;
    if (lastModified) headers['If-Modified-Since'] = lastModified;

    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(toFetchError(signal.reason, signal));
        return;
      }
      const secure = url.protocol === 'https:';
      const transport = secure ? https : http;
      const req = transport.request(url, {
        method: 'GET',
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        lookup: this.lookup,
        signal,
      });
      const connectTimer = setTimeout(() => {
        req.destroy(
          new FeedFetchError(
            'TIMEOUT',
            `no connection to ${url.host} within ${connectTimeoutMs} ms`,
          ),
        );
      }, connectTimeoutMs);
      req.once('socket', (socket) => {
        if (!socket.connecting) clearTimeout(connectTimer);
        else socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.once('response', (response) => {
        clearTimeout(connectTimer);
        resolve(response);
      });
      // `on`, not `once`: a socket can fail again after the response head; an unheard 'error'
      // would crash the process.
      req.on('error', (error) => {
        clearTimeout(connectTimer);
        reject(toFetchError(error, signal));
      });
      req.once('close', () => clearTimeout(connectTimer));
      req.end();
    });
  }
}
