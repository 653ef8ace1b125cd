/**
 * The poll cycle end to end over real parts: a loopback feed server, the HTTP fetcher, dynalite
 * through the SDK, the outbox publisher. Crashes are injected between steps; each time the next
 * cycle sends every alert exactly once.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoArticleStore } from '../../functions/adapters/dynamodb/article-store';
import { DynamoDeliveryLedger } from '../../functions/adapters/dynamodb/delivery-ledger';
import { DynamoFeedStore } from '../../functions/adapters/dynamodb/feed-store';
import { DynamoMatchStore } from '../../functions/adapters/dynamodb/match-store';
import { DynamoStoryStore } from '../../functions/adapters/dynamodb/story-store';
import { DynamoSubscriptionStore } from '../../functions/adapters/dynamodb/subscription-store';
import { DynamoTopicActivityStore } from '../../functions/adapters/dynamodb/topic-activity-store';
import { HttpFeedFetcher } from '../../functions/adapters/http-feed-fetcher';
import type { AudiencePublisher } from '../../functions/core/delivery/ports';
import { feedIdFor } from '../../functions/core/ids';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import type { PollDependencies } from '../../functions/core/pipeline/poll-feed';
import { runPollCycle } from '../../functions/core/pipeline/run-poll-cycle';
import { eachArticleItsOwnStory } from '../../functions/core/pipeline/story-folder';
import type { MatchStore } from '../../functions/core/ports';
import { subscribe } from '../../functions/core/subscriptions/subscribe';
import { type DemoFeedServer, startDemoFeedServer } from '../../functions/local/demo-feed-server';
import { OutboxAudiencePublisher } from '../../functions/local/outbox-audience-publisher';
import { OutboxSubscriptionChannel } from '../../functions/local/outbox-subscription-channel';
import { createTestTables } from '../support/dynamo';

const FIXTURES = join(import.meta.dirname, '../fixtures/cycle');
const topics = [
  { id: 'energy', name: 'Energy', description: '', query: 'gas OR gazprom' },
  { id: 'agreement-status', name: 'Agreement', description: '', query: 'treaty AND ratif*' },
  { id: 'transport-corridor', name: 'Corridor', description: '', query: 'railway' },
];
const matcher = compileTopics(topics, {});
const topicNames = Object.fromEntries(topics.map((topic) => [topic.id, topic.name]));
const now = new Date('2025-05-01T10:00:00Z');

let server: DemoFeedServer;
beforeAll(async () => {
  server = await startDemoFeedServer({ dataDir: FIXTURES });
});
afterAll(async () => {
  await server.close();
});

async function setUp() {
  const tables = await createTestTables();
  const dir = await mkdtemp(join(tmpdir(), 'news-alerts-cycle-'));
  const outbox = join(dir, 'outbox.jsonl');
  const feeds = new DynamoFeedStore(tables.document, tables.names.feeds);
  await feeds.addFeeds(server.feeds, now);
  const clock = { now: () => now };
  const subscriptions = new DynamoSubscriptionStore(tables.document, tables.names.subscriptions);
  await subscribe(
    { endpoint: 'analyst@example.org', topics: topics.map((topic) => topic.id) },
    {
      store: subscriptions,
      channel: new OutboxSubscriptionChannel(join(dir, 'subscriptions.jsonl'), clock),
      clock,
      topicIds: new Set(topics.map((topic) => topic.id)),
    },
  );
  const deps: PollDependencies = {
    feeds,
    articles: new DynamoArticleStore(tables.document, tables.names.articles, { retentionDays: 30 }),
    matches: new DynamoMatchStore(tables.document, tables.names.matches, { retentionDays: 30 }),
    fetcher: new HttpFeedFetcher({ timeoutMs: 5_000, allowLoopback: true }),
    matcher,
    stories: {
      folder: eachArticleItsOwnStory,
      store: new DynamoStoryStore(tables.document, tables.names.stories, { retentionDays: 30 }),
    },
    delivery: {
      ledger: new DynamoDeliveryLedger(tables.document, tables.names.deliveries, {
        retentionDays: 30,
      }),
      publisher: new OutboxAudiencePublisher({ path: outbox, subscriptions, clock }),
      audiences: await subscriptions.listAudiences(),
      settings: { smsPerHour: 5 },
    },
    activity: new DynamoTopicActivityStore(tables.document, tables.names.stories, {
      retentionDays: 30,
    }),
    topicNames,
    clock,
    settings: { pollIntervalMs: 60_000, maxBackoffMs: 3_600_000 },
  };
  const outboxIds = async () =>
    (await readFile(outbox, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).deliveryId as string);
  return { tables, deps, outboxIds, outbox };
}

describe('runPollCycle', () => {
  it('alerts each matching article once, then a second cycle gets 304s and writes nothing', async () => {
    // Prepare
    const { tables, deps, outboxIds } = await setUp();

    // Act
    const first = await runPollCycle(deps, { concurrency: 2 });
    tables.counter.reset();
    const second = await runPollCycle(deps, { concurrency: 2 });

    // Assess
    expect(first).toMatchObject({ feedsPolled: 2, feedsFailed: 0, newArticles: 4, alerts: 3 });
    // wire-2 matches two topics: one alert naming both.
    expect(first.matches).toBe(4);
    expect(await outboxIds()).toHaveLength(3);
    expect(second).toMatchObject({ feedsPolled: 2, feedsUnchanged: 2, newArticles: 0, alerts: 0 });
    expect(tables.counter.writes).toBe(0);
    expect(await outboxIds()).toHaveLength(3);
  });

  it("keeps each topic's daily counts and story list for the dashboards, once per article", async () => {
    // Prepare
    const { deps } = await setUp();

    // Act: the second cycle finds nothing new and must count nothing.
    await runPollCycle(deps, { concurrency: 2 });
    await runPollCycle(deps, { concurrency: 2 });

    // Assess
    const day = '2025-05-01';
    expect(await deps.activity.days('energy', day, day)).toEqual([
      { day, articles: 2, stories: 2 },
    ]);
    expect(await deps.activity.days('transport-corridor', '2025-04-01', day)).toEqual([
      { day, articles: 1, stories: 1 },
    ]);
    const page = await deps.activity.stories('energy', { limit: 1 });
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]?.terms.length).toBeGreaterThan(0);
    const rest = await deps.activity.stories('energy', { limit: 5, cursor: page.nextCursor });
    expect(rest.entries).toHaveLength(1);
    expect(rest.entries[0]?.storyId).not.toBe(page.entries[0]?.storyId);
  });

  it('sends every alert on the next cycle when publishing crashed', async () => {
    // Prepare: the first publish throws as if the process died mid-call.
    const { deps, outboxIds } = await setUp();
    const crashing: AudiencePublisher = {
      publish: async () => {
        throw new Error('crash during publish');
      },
    };

    // Act
    const crashed = await runPollCycle(
      { ...deps, delivery: { ...deps.delivery, publisher: crashing } },
      { concurrency: 2 },
    );
    const recovered = await runPollCycle(deps, { concurrency: 2 });

    // Assess
    expect(crashed.feedsFailed).toBe(2);
    expect(await outboxIds().then((ids) => ids.length)).toBe(3);
    expect(recovered).toMatchObject({ feedsFailed: 0, alerts: 3, newArticles: 4 });
  });

  it('does not send twice when the crash came after publishing, before marking', async () => {
    // Prepare: marking the matches as alerted fails once, after the alerts reached the outbox.
    const { deps, outboxIds } = await setUp();
    let failures = 1;
    const flakyMatches: MatchStore = {
      recordPending: (...args) => deps.matches.recordPending(...args),
      markAlerted: async (...args) => {
        if (failures-- > 0) throw new Error('crash before marking');
        return deps.matches.markAlerted(...args);
      },
    };

    // Act
    await runPollCycle({ ...deps, matches: flakyMatches }, { concurrency: 1 });
    const rerun = await runPollCycle(deps, { concurrency: 1 });
    const third = await runPollCycle(deps, { concurrency: 1 });

    // Assess
    const ids = await outboxIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(3);
    expect(rerun.feedsFailed).toBe(0);
    expect(third).toMatchObject({ feedsUnchanged: 2, alerts: 0 });
  });

  it('does not send twice when the crash came after publishing, before the ledger said sent', async () => {
    // Prepare: the ledger fails once right after the outbox got the message.
    const { deps, outboxIds } = await setUp();
    let failures = 1;
    const ledger = deps.delivery.ledger;
    const flakyLedger = Object.assign(Object.create(Object.getPrototypeOf(ledger)), ledger, {
      markSent: async (...args: Parameters<typeof ledger.markSent>) => {
        if (failures-- > 0) throw new Error('crash before the ledger update');
        return ledger.markSent(...args);
      },
    });

    // Act
    const crashed = await runPollCycle(
      { ...deps, delivery: { ...deps.delivery, ledger: flakyLedger } },
      { concurrency: 1 },
    );
    const rerun = await runPollCycle(deps, { concurrency: 1 });

    // Assess: the re-run found the claim still pending and sent again; the outbox refused the copy.
    expect(crashed.feedsFailed).toBe(1);
    expect(rerun.feedsFailed).toBe(0);
    const ids = await outboxIds();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });

  it('recovers when the feed state was not saved after the articles', async () => {
    // Prepare
    const { deps, outboxIds } = await setUp();
    let failures = 4; // both feeds: saving success and saving the failure
    const flakyFeeds = {
      ...deps.feeds,
      listDueFeeds: (at: Date) => deps.feeds.listDueFeeds(at),
      addFeeds: deps.feeds.addFeeds.bind(deps.feeds),
      savePollState: async (...args: Parameters<typeof deps.feeds.savePollState>) => {
        if (failures-- > 0) throw new Error('crash before saving state');
        return deps.feeds.savePollState(...args);
      },
    };

    // Act
    await runPollCycle({ ...deps, feeds: flakyFeeds }, { concurrency: 1 });
    const rerun = await runPollCycle(deps, { concurrency: 1 });
    const third = await runPollCycle(deps, { concurrency: 1 });

    // Assess: the re-run re-fetched (no validators saved) but found nothing new to alert.
    expect(rerun).toMatchObject({ feedsUnchanged: 0, newArticles: 0, alerts: 0, feedsFailed: 0 });
    expect(third.feedsUnchanged).toBe(2);
    expect(await outboxIds()).toHaveLength(3);
  });

  /** Lets the real call happen, then throws once: a crash right after that step. */
  function crashOnceAfter<T extends object>(target: T, method: keyof T & string): T {
    let crashed = false;
    const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
    return new Proxy(target, {
      get(object, property, receiver) {
        if (property !== method) {
          const value = Reflect.get(object, property, receiver);
          return typeof value === 'function' ? value.bind(object) : value;
        }
        return async (...args: unknown[]) => {
          const result = await original(...args);
          if (!crashed) {
            crashed = true;
            throw new Error(`crash after ${method}`);
          }
          return result;
        };
      },
    });
  }

  it.each([
    ['the match record', 'matches', 'recordPending'],
    ['the story record', 'stories', 'save'],
    ['the delivery claim', 'ledger', 'claim'],
    ['the publish', 'publisher', 'publish'],
    ['the ledger update', 'ledger', 'markSent'],
    ['marking the match alerted', 'matches', 'markAlerted'],
    ['storing the articles', 'articles', 'addArticles'],
    ['saving the feed state', 'feeds', 'savePollState'],
  ] as const)(
    'sends each alert exactly once when the run crashes after %s',
    async (_step, part, method) => {
      // Prepare
      const { deps, outboxIds } = await setUp();
      const crashing: PollDependencies = { ...deps };
      if (part === 'matches')
        crashing.matches = crashOnceAfter(deps.matches, method as 'recordPending');
      if (part === 'articles') crashing.articles = crashOnceAfter(deps.articles, 'addArticles');
      if (part === 'feeds') crashing.feeds = crashOnceAfter(deps.feeds, 'savePollState');
      if (part === 'stories') {
        crashing.stories = { ...deps.stories, store: crashOnceAfter(deps.stories.store, 'save') };
      }
      if (part === 'ledger') {
        crashing.delivery = {
          ...deps.delivery,
          ledger: crashOnceAfter(deps.delivery.ledger, method as 'claim'),
        };
      }
      if (part === 'publisher') {
        crashing.delivery = {
          ...deps.delivery,
          publisher: crashOnceAfter(deps.delivery.publisher, 'publish'),
        };
      }

      // Act: the crashing run, then re-runs until nothing is left to do.
      const crashed = await runPollCycle(crashing, { concurrency: 1 });
      await runPollCycle(deps, { concurrency: 1 });
      const settled = await runPollCycle(deps, { concurrency: 1 });

      // Assess
      expect(crashed.feedsFailed).toBe(1);
      const ids = await outboxIds();
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      expect(settled).toMatchObject({ feedsUnchanged: 2, feedsFailed: 0, alerts: 0 });
    },
  );

  it('does not alert again for an item that left the feed and came back', async () => {
    // Prepare: a feed whose content the test changes between cycles.
    const { deps, outboxIds } = await setUp();
    const item = (guid: string, title: string) =>
      `<item><guid>${guid}</guid><title>${title}</title><description>Russian gas for Iran.</description></item>`;
    let body = '';
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8' });
      response.end(`<rss version="2.0"><channel><title>Flip</title>${body}</channel></rss>`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rss`;
    await deps.feeds.addFeeds([{ id: feedIdFor(url), url, name: 'Flip', language: 'en' }], now);

    // Act
    body = item('x-1', 'Gazprom deal signed');
    await runPollCycle(deps, { concurrency: 4 });
    body = item('x-2', 'Another gas pipeline');
    await runPollCycle(deps, { concurrency: 4 });
    body = item('x-1', 'Gazprom deal signed') + item('x-2', 'Another gas pipeline');
    const comeback = await runPollCycle(deps, { concurrency: 4 });
    server.close();

    // Assess: the fixture feeds' 3 alerts, the two items' 2, and nothing when x-1 reappeared.
    expect(await outboxIds()).toHaveLength(3 + 2);
    expect(comeback.alerts).toBe(0);
  });

  it('retries a delivery that keeps failing, then parks it as a dead letter with its reason', async () => {
    // Prepare: SNS-like failure on every attempt.
    const { deps, tables } = await setUp();
    const failing: PollDependencies = {
      ...deps,
      delivery: {
        ...deps.delivery,
        publisher: {
          publish: async (messages) => ({
            published: [],
            failed: messages.map((message) => ({
              id: message.id,
              reason: 'Throttled: rate exceeded',
            })),
          }),
        },
      },
    };

    // Act
    const reports = [];
    for (let cycle = 0; cycle < 6; cycle++)
      reports.push(await runPollCycle(failing, { concurrency: 2 }));

    // Assess: four cycles retry (articles stay new), the fifth parks all three, the sixth is quiet.
    expect(reports.slice(0, 4).map((report) => report.alertFailures)).toEqual([3, 3, 3, 3]);
    expect(reports[4]).toMatchObject({ deadLetters: 3, alertFailures: 0 });
    expect(reports[5]).toMatchObject({ feedsUnchanged: 2, deadLetters: 0 });
    const ledger = new DynamoDeliveryLedger(tables.document, tables.names.deliveries, {
      retentionDays: 30,
    });
    const dead = await ledger.deadLetters();
    expect(dead).toHaveLength(3);
    expect(dead.every((letter) => letter.reason === 'Throttled: rate exceeded')).toBe(true);
  });
});

describe('adaptive poll intervals', () => {
  const MINUTE = 60_000;
  const HOUR = 60 * MINUTE;
  type Answer = {
    status: number;
    headers?: Record<string, string>;
    items?: string[];
    extra?: string;
  };

  /** One feed on its own server; `answer` is what the next request gets. */
  async function setUpFeed() {
    const { deps, tables } = await setUp();
    const state = { answer: { status: 200 } as Answer, at: now };
    const feedServer = createServer((request, response) => {
      const { status, headers = {}, items = [], extra = '' } = state.answer;
      const etag = `"${items.join(',')}"`;
      if (status === 200 && request.headers['if-none-match'] === etag) {
        response.writeHead(304, headers).end();
        return;
      }
      const body = items.map((guid) => `<item><guid>${guid}</guid><title>${guid}</title></item>`);
      response
        .writeHead(status, { 'Content-Type': 'application/rss+xml', ETag: etag, ...headers })
        .end(
          `<rss version="2.0"><channel><title>T</title>${extra}${body.join('')}</channel></rss>`,
        );
    });
    await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/rss`;
    const id = feedIdFor(url);
    // Only this feed: the fixture feeds are stored but never due in these tests' future.
    const clock = { now: () => state.at };
    const only = {
      ...deps.feeds,
      addFeeds: deps.feeds.addFeeds.bind(deps.feeds),
      savePollState: deps.feeds.savePollState.bind(deps.feeds),
      listDueFeeds: async (at: Date) =>
        (await deps.feeds.listDueFeeds(at)).filter((feed) => feed.id === id),
    };
    await deps.feeds.addFeeds([{ id, url, name: 'T', language: 'en' }], now);
    const polling: PollDependencies = { ...deps, feeds: only, clock };
    const isDue = async (offsetMs: number) =>
      (await only.listDueFeeds(new Date(now.getTime() + offsetMs))).length === 1;
    const cycle = async (offsetMs: number) => {
      state.at = new Date(now.getTime() + offsetMs);
      return runPollCycle(polling, { concurrency: 1 });
    };
    const stored = async () => {
      const read = await tables.document.send(
        new GetCommand({ TableName: tables.names.feeds, Key: { feedId: id } }),
      );
      return read.Item as Record<string, unknown> | undefined;
    };
    return { state, isDue, cycle, stored, tables, close: () => feedServer.close() };
  }

  it('waits out Cache-Control max-age on a successful answer', async () => {
    // Prepare
    const feed = await setUpFeed();
    feed.state.answer = { status: 200, items: ['a'], headers: { 'Cache-Control': 'max-age=600' } };

    // Act
    await feed.cycle(0);

    // Assess: due no earlier than ten minutes later.
    expect(await feed.isDue(10 * MINUTE - 1)).toBe(false);
    expect(await feed.isDue(10 * MINUTE)).toBe(true);
    feed.close();
  });

  it('waits out the RSS ttl', async () => {
    // Prepare
    const feed = await setUpFeed();
    feed.state.answer = { status: 200, items: ['a'], extra: '<ttl>30</ttl>' };

    // Act
    await feed.cycle(0);

    // Assess
    expect(await feed.isDue(30 * MINUTE - 1)).toBe(false);
    expect(await feed.isDue(30 * MINUTE)).toBe(true);
    feed.close();
  });

  it('keeps a feed with news at every poll at the tick interval', async () => {
    // Prepare
    const feed = await setUpFeed();
    const items: string[] = [];

    // Act: a new item before each of six ticks.
    for (let tick = 0; tick < 6; tick++) {
      items.push(`n-${tick}`);
      feed.state.answer = { status: 200, items: [...items] };
      const report = await feed.cycle(tick * MINUTE);
      expect(report).toMatchObject({ feedsPolled: 1, newArticles: 1 });
    }

    // Assess
    expect(await feed.stored()).toMatchObject({ learnedIntervalMs: MINUTE });
    expect(await feed.isDue(6 * MINUTE)).toBe(true);
    feed.close();
  });

  it('lets a quiet feed slow down to the cap, writing on few of its 304s', async () => {
    // Prepare: one item, then 304s for ever.
    const feed = await setUpFeed();
    feed.state.answer = { status: 200, items: ['only'] };
    await feed.cycle(0);

    // Act: the ticks at which the feed is due over five days (the ticks between are not due:
    // checked at the tick before each).
    let polls = 0;
    let writes = 0;
    for (let offset = MINUTE; offset <= 5 * 24 * HOUR; ) {
      const state = await feed.stored();
      const first = Date.parse(String(state?.nextPollAt)) - now.getTime();
      const interval = Number(state?.intervalMs ?? MINUTE);
      if (offset < first) offset = first;
      else offset = first + Math.ceil((offset - first) / interval) * interval;
      offset = Math.ceil(offset / MINUTE) * MINUTE;
      if (offset > 5 * 24 * HOUR) break;
      if (offset - MINUTE > 0 && offset - MINUTE >= first) {
        expect(await feed.isDue(offset - MINUTE)).toBe(interval <= MINUTE);
      }
      expect(await feed.isDue(offset)).toBe(true);
      feed.tables.counter.reset();
      const report = await feed.cycle(offset);
      polls += report.feedsPolled;
      expect(report.feedsUnchanged).toBe(1);
      writes += feed.tables.counter.writes;
      offset += MINUTE;
    }

    // Assess: the interval reached the day cap; each interval doubling cost one write.
    expect(await feed.stored()).toMatchObject({ learnedIntervalMs: 24 * HOUR });
    expect(writes).toBeLessThanOrEqual(12);
    expect(polls).toBeLessThan(40);
    feed.close();
  }, 120_000);

  it('backs off while a feed fails, then returns to its learnt interval', async () => {
    // Prepare: a feed that had news 10 minutes apart.
    const feed = await setUpFeed();
    feed.state.answer = { status: 200, items: ['a'] };
    await feed.cycle(0);
    feed.state.answer = { status: 200, items: ['a', 'b'] };
    await feed.cycle(20 * MINUTE);
    const learned = (await feed.stored())?.learnedIntervalMs;

    // Act: three failures (503 with Retry-After), then success.
    feed.state.answer = { status: 503, headers: { 'Retry-After': '300' } };
    await feed.cycle(40 * MINUTE);
    const first = await feed.stored();
    await feed.cycle(45 * MINUTE);
    await feed.cycle(50 * MINUTE);
    const third = await feed.stored();
    feed.state.answer = { status: 200, items: ['a', 'b'] };
    const recovered = await feed.cycle(60 * MINUTE);
    const after = await feed.stored();

    // Assess
    expect(learned).toBe(10 * MINUTE + MINUTE / 2);
    expect(first).toMatchObject({ consecutiveErrors: 1, nextPollAt: '2025-05-01T10:45:00.000Z' });
    // Third error: max(2 ticks, Retry-After 5 min) from 10:50.
    expect(third).toMatchObject({ consecutiveErrors: 3, nextPollAt: '2025-05-01T10:55:00.000Z' });
    expect(recovered.feedsUnchanged).toBe(1);
    expect(after).toMatchObject({ consecutiveErrors: 0, learnedIntervalMs: learned });
    expect(after?.intervalMs).toBeGreaterThanOrEqual(10 * MINUTE);
    feed.close();
  });
});
