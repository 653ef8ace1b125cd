/**
 * The outside world of the cost bench, run in a child process so that its CPU time is not counted
 * as the pipeline's: dynalite (the DynamoDB API) and a loopback server of N synthetic feeds that
 * behave like real outlets over one simulated day.
 *
 * Feed behaviour (fixed per feed by a seeded PRNG):
 * - `busy` (15 %): a new item on about one tick in eight (≈ 12 a day);
 * - `normal` (67 %): a new item on about one tick in thirty (≈ 3 a day);
 * - `no-validators` (10 %): publishes like `normal` but sends no ETag or Last-Modified, so every
 *   poll is a 200 with the whole feed;
 * - `failing` (4 %): 500, 404, 503 with Retry-After, or a body that is not XML;
 * - `flaky` (4 %): `normal`, but one poll in ten answers 502.
 * Validating feeds answer a matching If-None-Match or If-Modified-Since with 304. A feed lists its
 * 20 latest items. One item in five is topical: a copy of one of the day's developments, the rest
 * is filler that matches nothing. Each simulated day has `--developments` (default 30) new
 * developments: a demo-feed headline (they match topics) placed at a venue on that day's weekday,
 * so that the folding sees a distinct event (venue and weekday are exclusive markers) where a
 * reader would. The first feed to carry a development makes a story and its alerts; every other
 * copy folds into it, as syndicated wire copy does.
 *
 * The parent drives the day: `POST /control/tick?at=<ISO time>` publishes what each feed
 * publishes in that tick. Prints one JSON line on stdout: the two ports.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import dynalite from 'dynalite';
import { seededRandom } from './seeded-random';
import { fillerItem, loadTopicalItems, type PoolItem, VENUES } from './synthetic-items';

const { values } = parseArgs({
  options: {
    feeds: { type: 'string', default: '100' },
    seed: { type: 'string', default: '7' },
    developments: { type: 'string', default: '30' },
  },
});
const feedCount = Number(values.feeds);
const developmentsPerDay = Number(values.developments);

const random = seededRandom(Number(values.seed));

type Kind = 'busy' | 'normal' | 'no-validators' | 'failing' | 'flaky';

interface SimFeed {
  kind: Kind;
  failure: 500 | 404 | 503 | 'not-xml';
  items: { guid: string; title: string; description: string; pubDate: string }[];
  version: number;
  lastModified: string;
  serial: number;
}

const topical = loadTopicalItems([
  'tass-en.xml',
  'tehrantimes-en.xml',
  'ria-ru.xml',
  'irna-fa.xml',
  'mehrnews-fa.xml',
  'bbcpersian-fa.xml',
]);
const feeds: SimFeed[] = Array.from({ length: feedCount }, () => {
  const draw = random();
  const kind: Kind =
    draw < 0.15
      ? 'busy'
      : draw < 0.82
        ? 'normal'
        : draw < 0.92
          ? 'no-validators'
          : draw < 0.96
            ? 'failing'
            : 'flaky';
  const failures = [500, 404, 503, 'not-xml'] as const;
  return {
    kind,
    failure: failures[Math.floor(random() * failures.length)] ?? 500,
    items: [],
    version: 0,
    lastModified: new Date('2026-01-01T00:00:00Z').toUTCString(),
    serial: 0,
  };
});
const counts = { 200: 0, 304: 0, failed: 0 };

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** The developments of the simulated day `developmentsDay` (YYYY-MM-DD). */
let developments: PoolItem[] = [];
let developmentsDay = '';

function developmentsOf(at: Date): PoolItem[] {
  const day = at.toISOString().slice(0, 10);
  if (day !== developmentsDay) {
    developmentsDay = day;
    const weekday = WEEKDAYS[at.getUTCDay()];
    developments = Array.from({ length: developmentsPerDay }, () => {
      const source = topical[Math.floor(random() * topical.length)] ?? {
        title: '',
        description: '',
      };
      const venue = VENUES[Math.floor(random() * VENUES.length)];
      return {
        title: `${source.title} (talks in ${venue} on ${weekday})`,
        description: `${source.description} Officials met in ${venue} on ${weekday}.`,
      };
    });
  }
  return developments;
}

function publish(feed: SimFeed, index: number, at: Date): void {
  feed.serial++;
  const today = developmentsOf(at);
  const item =
    random() < 0.2 && today.length > 0
      ? (today[Math.floor(random() * today.length)] ?? fillerItem(feed.serial, random))
      : fillerItem(feed.serial, random);
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

function advance(at: Date, initial: boolean): void {
  feeds.forEach((feed, index) => {
    if (initial) {
      for (let count = 0; count < 10; count++) publish(feed, index, at);
      return;
    }
    const perTick = feed.kind === 'busy' ? 1 / 8 : 1 / 30;
    if (random() < perTick) publish(feed, index, at);
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
  const failing = feed.kind === 'failing' || (feed.kind === 'flaky' && random() < 0.1);
  if (failing) {
    counts.failed++;
    const status = feed.kind === 'flaky' ? 502 : feed.failure;
    if (status === 'not-xml') {
      response.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>Maintenance</html>');
    } else {
      response
        .writeHead(status, status === 503 ? { 'Retry-After': '3600' } : {})
        .end('unavailable');
    }
    return;
  }
  const validators =
    feed.kind === 'no-validators'
      ? {}
      : { ETag: `"f${index}-v${feed.version}"`, 'Last-Modified': feed.lastModified };
  if (
    feed.kind !== 'no-validators' &&
    (request.headers['if-none-match'] === validators.ETag ||
      (!request.headers['if-none-match'] &&
        request.headers['if-modified-since'] === feed.lastModified))
  ) {
    counts[304]++;
    response.writeHead(304, validators).end();
    return;
  }
  counts[200]++;
  response
    .writeHead(200, { ...validators, 'Content-Type': 'application/rss+xml; charset=utf-8' })
    .end(rss(feed, index));
}

const feedServer = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://bench');
  if (request.method === 'POST' && url.pathname === '/control/tick') {
    advance(new Date(url.searchParams.get('at') ?? Date.now()), url.searchParams.has('initial'));
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(counts));
    return;
  }
  const match = url.pathname.match(/^\/feeds\/(\d+)\.xml$/);
  if (match) answerFeed(Number(match[1]), request, response);
  else response.writeHead(404).end();
});

const database = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
await new Promise<void>((resolve) => database.listen(0, '127.0.0.1', () => resolve()));
await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', () => resolve()));
process.stdout.write(
  `${JSON.stringify({
    dynamoPort: (database.address() as AddressInfo).port,
    feedPort: (feedServer.address() as AddressInfo).port,
  })}\n`,
);
