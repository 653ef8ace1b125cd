/**
 * `npm run bench:api -- [--matches N] [--requests R] [--seed S] [--json]`
 *
 * Latency of each dashboard API endpoint with N stored topic matches (default 100,000): dynalite
 * runs in a child process (a separate service, as DynamoDB is), filled through BatchWriteItem
 * with what 30 days of polling would leave: N matched articles (one topic match each, spread over
 * the 12 default topics and 30 days, a quarter of them starting a story), their match records,
 * stories, the per-topic read model and 1,000 feeds. The local dashboard server (the same API
 * core as the Lambda) answers R requests per endpoint over HTTP, one at a time after a warm-up;
 * the bench prints p50 / p95 / max per endpoint and one JSON line last:
 * {"matches","requests","endpoints":{"<METHOD path>":{"n","p50Ms","p95Ms","maxMs"}}}.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClients, localDynamoConfig } from '../../functions/adapters/dynamodb/client';
import { createTablesIfMissing } from '../../functions/adapters/dynamodb/create-tables';
import {
  createDynamoStores,
  dashboardDependencies,
} from '../../functions/adapters/dynamodb/stores';
import { createDashboardApi } from '../../functions/core/api/dashboard-api';
import { feedIdFor } from '../../functions/core/ids';
import { loadDefaultTopicPack } from '../../functions/core/matching/topic-pack';
import type { FeedConfig } from '../../functions/core/model';
import { startDashboardServer } from '../../functions/local/dashboard-server';
import { LOCAL_TABLE_NAMES } from '../../functions/local/embedded-dynamo';
import { OutboxSubscriptionChannel } from '../../functions/local/outbox-subscription-channel';
import { seededRandom } from './seeded-random';

const { values } = parseArgs({
  options: {
    matches: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '200' },
    seed: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
  },
});
const matchCount = Number(values.matches);
const requests = Number(values.requests);
if (
  !Number.isInteger(matchCount) ||
  matchCount < 100 ||
  !Number.isInteger(requests) ||
  requests < 10
) {
  throw new Error('--matches must be a whole number ≥ 100 and --requests ≥ 10');
}
const random = seededRandom(Number(values.seed));
const print = (line: string) => {
  if (!values.json) process.stderr.write(`${line}\n`);
};
const TOKEN = 'bench-token-0123456789abcdef';
const DAYS = 30;
const FEEDS = 1_000;
const now = new Date('2025-06-30T12:00:00Z');
const clock = { now: () => now };

/** dynalite in a child process; resolves with its endpoint. */
async function startDynalite() {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "import dynalite from 'dynalite'; const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }); server.listen(0, '127.0.0.1', () => console.log(server.address().port));",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: join(import.meta.dirname, '../..') },
  );
  if (!child.stdout) throw new Error('dynalite has no stdout');
  const [line] = await createInterface({ input: child.stdout })
    [Symbol.asyncIterator]()
    .next()
    .then((result) => [result.value as string]);
  return { child, endpoint: `http://127.0.0.1:${Number(line)}` };
}

/** Writes items 25 at a time (BatchWriteItem's limit), retrying unprocessed ones, 8 calls at once. */
async function writeAll(
  document: DynamoDBDocumentClient,
  table: string,
  items: Record<string, unknown>[],
): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let start = 0; start < items.length; start += 25)
    batches.push(items.slice(start, start + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const result = await document.send(
          new BatchWriteCommand({ RequestItems: { [table]: pending } }),
        );
        pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

const dayOfIndex = (index: number) =>
  new Date(now.getTime() - index * 86_400_000).toISOString().slice(0, 10);

async function seed(document: DynamoDBDocumentClient) {
  const pack = loadDefaultTopicPack();
  const stores = createDynamoStores(document, LOCAL_TABLE_NAMES, 90);
  await stores.topics.addAliases(pack.aliases);
  await stores.topics.addTopics(pack.topics);
  const feeds: FeedConfig[] = Array.from({ length: FEEDS }, (_, index) => {
    const url = `https://outlet-${index}.example/rss`;
    return { id: feedIdFor(url), url, name: `Outlet ${index}`, language: 'en' };
  });
  await stores.feeds.addFeeds(feeds, now);

  const topicIds = pack.topics.map((topic) => topic.id);
  const articles: Record<string, unknown>[] = [];
  const matches: Record<string, unknown>[] = [];
  const stories: Record<string, unknown>[] = [];
  const activity: Record<string, unknown>[] = [];
  const counters = new Map<string, { articles: number; stories: number }>();
  const storiesOf = new Map<string, string[]>();
  const expiresAt = Math.floor(now.getTime() / 1000) + 90 * 86_400;
  for (let index = 0; index < matchCount; index++) {
    const topicId = topicIds[Math.floor(random() * topicIds.length)] ?? 'energy';
    const day = dayOfIndex(Math.floor(random() * DAYS));
    const firstSeen = `${day}T${String(Math.floor(random() * 24)).padStart(2, '0')}:${String(Math.floor(random() * 60)).padStart(2, '0')}:00.000Z`;
    const feed = feeds[Math.floor(random() * FEEDS)] ?? feeds[0];
    const articleKey = `${feed?.id}#item-${index}`;
    const title = `Russia and Iran ${topicId.replaceAll('-', ' ')} development ${index}`;
    articles.push({
      articleKey,
      id: `item-${index}`,
      feedId: feed?.id,
      source: feed?.name,
      title,
      summary: 'Officials in Moscow and Tehran discussed the strategic partnership treaty.',
      link: `https://outlet.example/${index}`,
      published: firstSeen,
      firstSeen,
      day,
      language: 'en',
      expiresAt,
    });
    const counter = counters.get(`${topicId}#${day}`) ?? { articles: 0, stories: 0 };
    counter.articles++;
    const known = storiesOf.get(topicId) ?? [];
    const startsStory = known.length === 0 || random() < 0.25;
    const storyId = startsStory
      ? `story-${index}`
      : (known[Math.floor(random() * known.length)] ?? 'story-0');
    matches.push({
      articleKey,
      topicId,
      terms: ['Russia', 'Iran'],
      status: 'alerted',
      storyId,
      matchedAt: firstSeen,
      expiresAt,
    });
    if (startsStory) {
      counter.stories++;
      known.push(storyId);
      storiesOf.set(topicId, known);
      stories.push({
        pk: `story#${storyId}`,
        sk: 'story',
        storyId,
        headline: title,
        outlet: feed?.name,
        published: firstSeen,
        topics: [{ id: topicId, name: topicId }],
        terms: ['Russia', 'Iran'],
        snippet: 'Officials in Moscow and Tehran discussed the strategic partnership treaty.',
        link: `https://outlet.example/${index}`,
        language: 'en',
        firstSeen,
        outlets: [feed?.name],
        articles: 1,
        expiresAt,
      });
      activity.push({
        pk: `activity#${topicId}`,
        sk: `story#${firstSeen}#${storyId}`,
        storyId,
        firstSeen,
        terms: ['Russia', 'Iran'],
        expiresAt,
      });
    }
    counters.set(`${topicId}#${day}`, counter);
  }
  for (const [key, counter] of counters) {
    const [topicId, day] = key.split('#');
    activity.push({ pk: `activity#${topicId}`, sk: `day#${day}`, ...counter, expiresAt });
  }
  await writeAll(document, LOCAL_TABLE_NAMES.articles, articles);
  await writeAll(document, LOCAL_TABLE_NAMES.matches, matches);
  await writeAll(document, LOCAL_TABLE_NAMES.stories, [...stories, ...activity]);
  return { stores, stories: stories.length };
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 10) / 10;
}

const dynalite = await startDynalite();
try {
  const { document, client } = createDynamoClients(localDynamoConfig(dynalite.endpoint));
  await createTablesIfMissing(client, LOCAL_TABLE_NAMES);
  const seeding = performance.now();
  const { stores, stories } = await seed(document);
  print(
    `stored ${matchCount} matches, ${stories} stories, ${FEEDS} feeds in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
  );
  const channel = new OutboxSubscriptionChannel(
    join(mkdtempSync(join(tmpdir(), 'news-alerts-api-bench-')), 'outbox.jsonl'),
    clock,
  );
  const server = await startDashboardServer({
    api: createDashboardApi(dashboardDependencies(stores, channel, clock)),
    token: TOKEN,
    port: 0,
  });
  const firstPage = (await (
    await fetch(new URL('/api/topics/energy/stories?limit=20', server.url))
  ).json()) as { nextCursor?: string };
  const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
  const endpoints: { name: string; n?: number; request: () => [string, RequestInit?] }[] = [
    { name: 'GET /api/topics', request: () => ['/api/topics'] },
    { name: 'GET /api/topics/{id}', request: () => ['/api/topics/energy'] },
    {
      name: 'GET /api/topics/{id}/timeline?days=90',
      request: () => ['/api/topics/energy/timeline?days=90'],
    },
    {
      name: 'GET /api/topics/{id}/stories',
      request: () => ['/api/topics/energy/stories?limit=20'],
    },
    {
      name: 'GET /api/topics/{id}/stories?cursor',
      request: () => [`/api/topics/energy/stories?limit=20&cursor=${firstPage.nextCursor ?? ''}`],
    },
    {
      name: 'GET /api/feeds',
      n: Math.max(10, Math.floor(requests / 4)),
      request: () => ['/api/feeds'],
    },
    {
      name: 'POST /api/topics/preview (3 days)',
      n: Math.max(10, Math.floor(requests / 10)),
      request: () => [
        '/api/topics/preview',
        {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ query: 'Iran AND energy', days: 3 }),
        },
      ],
    },
    {
      name: 'PUT /api/topics/{id}',
      request: () => [
        '/api/topics/energy',
        {
          method: 'PUT',
          headers: json,
          body: JSON.stringify({ name: 'Energy', query: '@russia AND @iran AND (gas OR oil)' }),
        },
      ],
    },
  ];
  const results: Record<string, { n: number; p50Ms: number; p95Ms: number; maxMs: number }> = {};
  for (const endpoint of endpoints) {
    const n = endpoint.n ?? requests;
    const times: number[] = [];
    for (let round = -3; round < n; round++) {
      const [path, init] = endpoint.request();
      const started = performance.now();
      const response = await fetch(new URL(path, server.url), init);
      await response.arrayBuffer();
      const elapsed = performance.now() - started;
      if (!response.ok) throw new Error(`${endpoint.name}: ${response.status}`);
      if (round >= 0) times.push(elapsed);
    }
    times.sort((a, b) => a - b);
    results[endpoint.name] = {
      n,
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
      maxMs: percentile(times, 100),
    };
    const result = results[endpoint.name];
    print(
      `${endpoint.name.padEnd(42)} n=${n}  p50 ${result?.p50Ms} ms  p95 ${result?.p95Ms} ms  max ${result?.maxMs} ms`,
    );
  }
  await server.close();
  client.destroy();
  console.log(JSON.stringify({ matches: matchCount, requests, endpoints: results }));
} finally {
  dynalite.child.kill();
}
