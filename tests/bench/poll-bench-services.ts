/**
 * The outside world of the poll bench, run in a child process so that its CPU time is not counted
 * as the poller's: dynalite (the DynamoDB API) and a loopback server of N synthetic feeds, each
 * answering after a latency drawn from a seeded PRNG (uniform in 50–500 ms).
 *
 * Two phases, switched by the parent with `POST /control/phase?name=...`:
 * - `import`: every feed answers 200 with 10 items, an ETag and a Last-Modified;
 * - `measured`: each feed (fixed by the PRNG) either fails (2.5 % HTTP 500, 2.5 % never answers,
 *   which the fetcher's deadline cuts), answers 304 to its conditional request (20 %), answers
 *   200 with one new item (25 %; about a third of them topical), or answers 200 with the same
 *   items and validators, as servers that ignore conditional requests do (50 %).
 * `GET /control/stats` returns the latencies drawn in the current phase (a request that never
 * answers counts as the fetcher's deadline, `--fetch-timeout-ms`: that is how long it holds a
 * slot). Prints one JSON line on stdout: the two ports.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import dynalite from 'dynalite';
import { seededRandom } from './seeded-random';
import { fillerItem, loadTopicalItems, type PoolItem, VENUES } from './synthetic-items';

const { values } = parseArgs({
  options: {
    feeds: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '7' },
    'fetch-timeout-ms': { type: 'string', default: '1000' },
  },
});
const feedCount = Number(values.feeds);
const fetchTimeoutMs = Number(values['fetch-timeout-ms']);
const random = seededRandom(Number(values.seed));

const MIN_LATENCY_MS = 50;
const MAX_LATENCY_MS = 500;
const latency = () => MIN_LATENCY_MS + random() * (MAX_LATENCY_MS - MIN_LATENCY_MS);

const topical = loadTopicalItems([
  'tass-en.xml',
  'tehrantimes-en.xml',
  'ria-ru.xml',
  'irna-fa.xml',
]);
/** A development of the measured cycle: a topical headline at a venue, carried by a few feeds. */
const developments: PoolItem[] = Array.from({ length: 20 }, (_, index) => {
  const source = topical[Math.floor(random() * topical.length)] ?? fillerItem(index, random);
  const venue = VENUES[index % VENUES.length];
  return {
    title: `${source.title} (talks in ${venue}, round ${index + 1})`,
    description: `${source.description} Officials met in ${venue} for round ${index + 1}.`,
  };
});

type Behaviour = 'fail-500' | 'timeout' | 'not-modified' | 'new-item' | 'same';

interface SimFeed {
  behaviour: Behaviour;
  items: { guid: string; title: string; description: string; pubDate: string }[];
  version: number;
  lastModified: string;
  serial: number;
}

const feeds: SimFeed[] = Array.from({ length: feedCount }, () => {
  const draw = random();
  const behaviour: Behaviour =
    draw < 0.025
      ? 'fail-500'
      : draw < 0.05
        ? 'timeout'
        : draw < 0.25
          ? 'not-modified'
          : draw < 0.5
            ? 'new-item'
            : 'same';
  return { behaviour, items: [], version: 0, lastModified: '', serial: 0 };
});

function publish(feed: SimFeed, index: number, at: Date, item: PoolItem): void {
  feed.serial++;
  feed.items.unshift({
    guid: `feed-${index}-item-${feed.serial}`,
    title: item.title,
    description: item.description,
    pubDate: at.toUTCString(),
  });
  feed.items.length = Math.min(feed.items.length, 20);
  feed.version++;
  feed.lastModified = at.toUTCString();
}

let phase: 'import' | 'measured' = 'import';
const stats = { requests: 0, latencyMs: 0, answered: { 200: 0, 304: 0, 500: 0, timeout: 0 } };
/** Responses that never come: closed at shutdown. */
const hanging = new Set<ServerResponse>();

function startPhase(name: string, at: Date): void {
  phase = name === 'measured' ? 'measured' : 'import';
  stats.requests = 0;
  stats.latencyMs = 0;
  stats.answered = { 200: 0, 304: 0, 500: 0, timeout: 0 };
  feeds.forEach((feed, index) => {
    if (phase === 'import') {
      for (let count = 0; count < 10; count++)
        publish(feed, index, at, fillerItem(feed.serial, random));
    } else if (feed.behaviour === 'new-item') {
      const item =
        random() < 0.3
          ? (developments[Math.floor(random() * developments.length)] ??
            fillerItem(feed.serial, random))
          : fillerItem(feed.serial, random);
      publish(feed, index, at, item);
    }
  });
}

function rss(feed: SimFeed, index: number): string {
  const items = feed.items
    .map(
      (item) =>
        `<item><title>${item.title}</title><link>https://outlet-${index}.example/${item.guid}</link><guid isPermaLink="false">${item.guid}</guid><pubDate>${item.pubDate}</pubDate><description>${item.description}</description></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Outlet ${index}</title><link>https://outlet-${index}.example/</link><description>Synthetic outlet</description>${items}</channel></rss>`;
}

function answerFeed(index: number, request: IncomingMessage, response: ServerResponse): void {
  const feed = feeds[index];
  if (!feed) {
    response.writeHead(404).end();
    return;
  }
  stats.requests++;
  const behaviour = phase === 'import' ? 'same' : feed.behaviour;
  if (behaviour === 'timeout') {
    // Holds the fetcher's slot until its deadline; the bench counts that wait as the latency.
    stats.latencyMs += fetchTimeoutMs;
    stats.answered.timeout++;
    hanging.add(response);
    response.on('close', () => hanging.delete(response));
    return;
  }
  const wait = latency();
  stats.latencyMs += wait;
  setTimeout(() => {
    if (behaviour === 'fail-500') {
      stats.answered[500]++;
      response.writeHead(500).end('unavailable');
      return;
    }
    const validators = { ETag: `"f${index}-v${feed.version}"`, 'Last-Modified': feed.lastModified };
    if (behaviour === 'not-modified' && request.headers['if-none-match'] === validators.ETag) {
      stats.answered[304]++;
      response.writeHead(304, validators).end();
      return;
    }
    stats.answered[200]++;
    response
      .writeHead(200, { ...validators, 'Content-Type': 'application/rss+xml; charset=utf-8' })
      .end(rss(feed, index));
  }, wait);
}

const feedServer = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://bench');
  if (request.method === 'POST' && url.pathname === '/control/phase') {
    startPhase(url.searchParams.get('name') ?? 'import', new Date(url.searchParams.get('at') ?? 0));
    response.writeHead(204).end();
    return;
  }
  if (url.pathname === '/control/stats') {
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  const match = url.pathname.match(/^\/feeds\/(\d+)\.xml$/);
  if (match) answerFeed(Number(match[1]), request, response);
  else response.writeHead(404).end();
});

const database = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise<void>((resolve) => database.listen(0, '127.0.0.1', () => resolve()));
await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', () => resolve()));
process.on('SIGTERM', () => {
  for (const response of hanging) response.destroy();
  feedServer.close();
  database.close();
  process.exit(0);
});
process.stdout.write(
  `${JSON.stringify({
    dynamoPort: (database.address() as AddressInfo).port,
    feedPort: (feedServer.address() as AddressInfo).port,
  })}\n`,
);
