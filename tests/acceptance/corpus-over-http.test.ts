/**
 * Every corpus feed (../shared/corpus/feeds) through the path the poller takes: served by a
 * loopback HTTP server with its bytes as stored, fetched by `HttpFeedFetcher`, decoded with the
 * Content-Type the server sent, parsed and normalised. Each ends in articles or a named error;
 * nothing else is thrown and no promise is left rejected. The in-process run of the same corpus
 * is corpus-feeds.test.ts; this one adds the fetcher, the headers and the gzip files as served.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpFeedFetcher } from '../../functions/adapters/http-feed-fetcher';
import { decodeFeedBody } from '../../functions/core/feeds/decode-body';
import { FeedFetchError, FeedParseError } from '../../functions/core/feeds/errors';
import { normaliseItem } from '../../functions/core/feeds/normalise-item';
import { parseFeed } from '../../functions/core/feeds/parse-feed';
import type { FeedConfig } from '../../functions/core/model';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus/feeds');

/** Documentation beside the feeds, not feeds. */
const NOT_FEEDS = new Set(['.md', '.txt', '.license']);

/** What a static file server would send for each extension: no charset, as most do. */
const CONTENT_TYPES: Record<string, string> = {
  '.xml': 'application/xml',
  '.rss': 'application/rss+xml',
  '.atom': 'application/atom+xml',
  '.json': 'application/json',
  '.html': 'text/html',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/;

interface CorpusFile {
  name: string;
  body: Buffer;
  contentType: string;
}

/** How one feed ended: its item count, or the name of its error. */
type Outcome = string;

function feedFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return feedFiles(file);
    return NOT_FEEDS.has(path.extname(entry.name).toLowerCase()) ? [] : [file];
  });
}

/**
 * The Content-Type for a file: the header its test case names (feedparser's cases say which
 * header they assume, in a `Header: Content-type:` comment line), else a guess from the extension.
 */
function declaredContentType(body: Buffer): string | undefined {
  return /^\s*Header:\s*Content-type:\s*(.+?)\s*$/im.exec(
    body.subarray(0, 4096).toString('latin1'),
  )?.[1];
}

function contentTypeOf(file: string, body: Buffer): string {
  return (
    declaredContentType(body) ??
    CONTENT_TYPES[path.extname(file).toLowerCase()] ??
    'application/octet-stream'
  );
}

/** Serves file n at /n, bytes as stored (the gzip files too: servers send those). */
async function serve(files: readonly CorpusFile[]): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((request, response) => {
    const file = files[Number((request.url ?? '').slice(1))];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
    });
    response.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

/** Decode, parse, normalise: the poller's steps after the fetch. */
async function ingest(
  body: Uint8Array,
  contentType: string | undefined,
  feed: FeedConfig,
  seenAt: Date,
) {
  const parsed = await parseFeed(decodeFeedBody(body, contentType));
  return parsed.items.map((raw) => normaliseItem(raw, feed, seenAt));
}

function outcomeOfError(error: unknown): Outcome | undefined {
  return error instanceof FeedParseError || error instanceof FeedFetchError
    ? `${error.name}:${error.code}`
    : undefined;
}

/** The same steps on the file's bytes in process, gzip inflated as the fetcher would. */
async function inProcessOutcome(
  file: CorpusFile,
  feed: FeedConfig,
  seenAt: Date,
): Promise<Outcome> {
  const { body } = file;
  const inflated = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body;
  try {
    return `${(await ingest(inflated, file.contentType, feed, seenAt)).length} items`;
  } catch (error) {
    return outcomeOfError(error) ?? `unexpected: ${String(error)}`;
  }
}

describe('feed corpus over HTTP', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  let files: CorpusFile[];
  let server: Server;
  let baseUrl: string;
  const fetcher = new HttpFeedFetcher({ allowLoopback: true, timeoutMs: 30_000 });

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    files = feedFiles(CORPUS).map((file) => {
      const body = readFileSync(file);
      return { name: path.relative(CORPUS, file), body, contentType: contentTypeOf(file, body) };
    });
    ({ server, baseUrl } = await serve(files));
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    fetcher.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fetches, decodes, parses and normalises every corpus file into items or a named error', async () => {
    // Prepare
    const seenAt = new Date('2026-11-28T00:00:00.000Z');
    const errors: Record<string, number> = {};
    const results: Record<string, Outcome> = {};
    const unexpected: string[] = [];
    const dirtyText: string[] = [];
    const differences: string[] = [];
    let parsed = 0;
    let items = 0;

    // Act
    for (const [index, file] of files.entries()) {
      const feed: FeedConfig = {
        id: `corpus-${index}`,
        url: `${baseUrl}/${index}`,
        name: file.name,
        language: 'en',
      };
      try {
        const fetched = await fetcher.fetch({ url: feed.url });
        if (fetched.kind !== 'fetched') throw new Error(`unexpected ${fetched.kind}`);
        const articles = await ingest(fetched.body, fetched.contentType, feed, seenAt);
        parsed++;
        items += articles.length;
        if (
          articles.some(
            (article) =>
              CONTROL_CHARACTERS.test(article.title) || CONTROL_CHARACTERS.test(article.summary),
          )
        ) {
          dirtyText.push(file.name);
        }
        results[file.name] = `${articles.length} items`;
      } catch (error) {
        const name = outcomeOfError(error);
        if (name) {
          errors[name] = (errors[name] ?? 0) + 1;
          results[file.name] = name;
        } else {
          unexpected.push(`${file.name}: ${String(error)}`);
        }
      }
      const expected = await inProcessOutcome(file, feed, seenAt);
      if (results[file.name] !== expected) {
        differences.push(`${file.name}: ${results[file.name]} over HTTP, ${expected} in process`);
      }
    }
    // A rejection nobody handled is reported on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const declared = files.filter((file) => declaredContentType(file.body) !== undefined).length;
    console.log(
      `corpus over HTTP: ${files.length} files (${declared} with the Content-Type their test names), ${parsed} parsed, ${items} items, errors ${JSON.stringify(errors)}`,
    );

    // Assess
    expect(files.length).toBeGreaterThan(2_000);
    expect(unexpected).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(dirtyText).toEqual([]);
    expect(Object.keys(results)).toHaveLength(files.length);
    // Every file was served with 200: a fetch error would be the fetcher's fault, not the feed's.
    expect(Object.keys(errors).filter((name) => name.startsWith('FeedFetchError'))).toEqual([]);
    // The fetch changes nothing: the same bytes and header give the same result as in process.
    expect(differences).toEqual([]);
    expect(items).toBeGreaterThan(0);
    // The corpus's negative cases are named as such.
    expect(results['node-feedparser/test/feeds/notafeed.html']).toBe('FeedParseError:NOT_A_FEED');
    expect(results['feedparser/tests/json/example.json']).toBe('FeedParseError:NOT_A_FEED');
    expect(results['rss-parser/test/input/unrecognized.rss']).toMatch(/^FeedParseError:/);
    // Served gzip-compressed without saying so, as the files are stored: the fetcher inflates.
    expect(results['node-feedparser/test/feeds/compressed.xml']).toMatch(/items$/);
  });
});
