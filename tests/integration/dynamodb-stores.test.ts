import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoArticleStore } from '../../functions/adapters/dynamodb/article-store';
import { DynamoFeedStore, dueShardFor } from '../../functions/adapters/dynamodb/feed-store';
import { DynamoMatchStore } from '../../functions/adapters/dynamodb/match-store';
import { DynamoBatchIncompleteError } from '../../functions/adapters/dynamodb/retry';
import { createDynamoStores } from '../../functions/adapters/dynamodb/stores';
import { DynamoTopicStore } from '../../functions/adapters/dynamodb/topic-store';
import { feedIdFor } from '../../functions/core/ids';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import type { FeedConfig } from '../../functions/core/model';
import { seedDefaults } from '../../functions/core/pipeline/seed-defaults';
import { TopicMatcherCache } from '../../functions/core/pipeline/topic-matcher-cache';
import type { StoredArticle } from '../../functions/core/ports';
import { createTestTables, type TestTables } from '../support/dynamo';

const feedConfig = (url: string): FeedConfig => ({
  id: feedIdFor(url),
  url,
  name: 'Outlet',
  language: 'en',
});

const article = (key: string): StoredArticle => ({
  key,
  id: `guid-${key}`,
  feedId: 'feed-1',
  source: 'Outlet',
  title: `Title ${key}`,
  summary: 'Summary',
  link: 'https://example.org/a',
  published: '2025-03-01T00:00:00.000Z',
  firstSeen: '2025-03-01T00:00:00.000Z',
  language: 'en',
});

let tables: TestTables;
beforeAll(async () => {
  tables = await createTestTables();
});

describe('DynamoFeedStore', () => {
  it('adds feeds once and lists those due across every shard', async () => {
    // Prepare
    const store = new DynamoFeedStore(tables.document, tables.names.feeds);
    const configs = Array.from({ length: 12 }, (_, index) =>
      feedConfig(`https://feeds.example.org/${index}.xml`),
    );
    const now = new Date('2025-05-01T10:00:00Z');

    // Act
    const added = await store.addFeeds(configs, now);
    const addedAgain = await store.addFeeds(configs, now);
    const due = await store.listDueFeeds(now);

    // Assess
    expect(added).toBe(12);
    expect(addedAgain).toBe(0);
    expect(new Set(configs.map((config) => dueShardFor(config.id))).size).toBeGreaterThan(1);
    expect(due.map((feed) => feed.id).sort()).toEqual(configs.map((config) => config.id).sort());
    expect(due[0]).toMatchObject({ consecutiveErrors: 0, nextPollAt: now.toISOString() });
  });

  it('keeps a feed whose next poll is later out of the due list, and saves its state', async () => {
    // Prepare
    const store = new DynamoFeedStore(tables.document, tables.names.feeds);
    const config = feedConfig('https://later.example.org/rss');
    const now = new Date('2025-05-01T10:00:00Z');
    await store.addFeeds([config], now);

    // Act
    await store.savePollState(config.id, {
      etag: '"v1"',
      consecutiveErrors: 2,
      lastError: 'TIMEOUT: too slow',
      nextPollAt: '2025-05-01T11:00:00.000Z',
    });
    const dueNow = await store.listDueFeeds(now);
    const dueLater = await store.listDueFeeds(new Date('2025-05-01T11:00:00Z'));

    // Assess
    expect(dueNow.some((feed) => feed.id === config.id)).toBe(false);
    const feed = dueLater.find((candidate) => candidate.id === config.id);
    expect(feed).toMatchObject({
      etag: '"v1"',
      consecutiveErrors: 2,
      lastError: 'TIMEOUT: too slow',
    });
    expect(feed?.lastModified).toBeUndefined();
  });

  it('gets one feed by id with its poll state, and nothing for an unknown id', async () => {
    // Prepare
    const store = new DynamoFeedStore(tables.document, tables.names.feeds);
    const config = feedConfig('https://one.example.org/rss');
    const now = new Date('2025-05-01T10:00:00Z');
    await store.addFeeds([config], now);
    await store.savePollState(config.id, {
      etag: '"v2"',
      consecutiveErrors: 1,
      nextPollAt: '2025-05-01T10:15:00.000Z',
    });

    // Act
    const feed = await store.getFeed(config.id);
    const missing = await store.getFeed('feed-never-stored');

    // Assess
    expect(feed).toEqual({
      id: config.id,
      url: config.url,
      name: config.name,
      language: config.language,
      etag: '"v2"',
      lastModified: undefined,
      lastSuccessAt: undefined,
      consecutiveErrors: 1,
      lastError: undefined,
      nextPollAt: '2025-05-01T10:15:00.000Z',
      intervalMs: undefined,
      dueWindowMs: undefined,
      learnedIntervalMs: undefined,
      lastNewItemsAt: undefined,
    });
    expect(missing).toBeUndefined();
  });

  it('refuses to save poll state for a feed that is not stored', async () => {
    const store = new DynamoFeedStore(tables.document, tables.names.feeds);
    await expect(
      store.savePollState('feed-missing', {
        consecutiveErrors: 0,
        nextPollAt: '2025-01-01T00:00:00Z',
      }),
    ).rejects.toThrow(/conditional/i);
  });
});

describe('DynamoArticleStore', () => {
  it('finds stored keys in batches of 100 and stores each new article once', async () => {
    // Prepare
    const store = new DynamoArticleStore(tables.document, tables.names.articles, {
      retentionDays: 30,
    });
    const articles = Array.from({ length: 130 }, (_, index) => article(`a-${index}`));

    // Act
    const firstWrite = await store.addArticles(articles.slice(0, 120));
    const secondWrite = await store.addArticles(articles);
    const found = await store.findExisting([...articles.map((item) => item.key), 'a-missing']);

    // Assess
    expect(firstWrite).toHaveLength(120);
    expect(secondWrite.sort()).toEqual(
      articles
        .slice(120)
        .map((item) => item.key)
        .sort(),
    );
    expect(found.size).toBe(130);
    expect(found.has('a-missing')).toBe(false);
  });

  it('stores an article raced by two pollers exactly once', async () => {
    const storeA = new DynamoArticleStore(tables.document, tables.names.articles, {
      retentionDays: 30,
    });
    const storeB = new DynamoArticleStore(tables.document, tables.names.articles, {
      retentionDays: 30,
    });

    const [a, b] = await Promise.all([
      storeA.addArticles([article('race-1')]),
      storeB.addArticles([article('race-1')]),
    ]);

    expect([...a, ...b]).toEqual(['race-1']);
  });

  it('retries unprocessed keys and fails loudly when they never clear', async () => {
    // Prepare: a mocked client that always leaves one key unprocessed.
    const document = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
    const mock = mockClient(document);
    mock.on(BatchGetCommand).resolves({
      Responses: { articles: [{ articleKey: 'k1' }] },
      UnprocessedKeys: { articles: { Keys: [{ articleKey: 'k2' }] } },
    });
    const delays: number[] = [];
    const store = new DynamoArticleStore(document, 'articles', {
      retentionDays: 30,
      retry: { maxAttempts: 3, baseDelayMs: 10, delay: async (ms) => void delays.push(ms) },
    });

    // Act / Assess
    await expect(store.findExisting(['k1', 'k2'])).rejects.toBeInstanceOf(
      DynamoBatchIncompleteError,
    );
    expect(mock).toReceiveCommandTimes(BatchGetCommand, 3);
    expect(mock).toReceiveNthCommandWith(BatchGetCommand, 2, {
      RequestItems: {
        articles: { Keys: [{ articleKey: 'k2' }], ProjectionExpression: 'articleKey' },
      },
    });
    expect(delays).toHaveLength(2);
  });
});

describe('DynamoTopicStore', () => {
  it('lists the topics of its scope and never overwrites an existing topic', async () => {
    const store = new DynamoTopicStore(tables.document, tables.names.topics);
    const topic = { id: 'energy', name: 'Energy', description: 'Oil and gas', query: 'gas' };

    const added = await store.addTopics([topic]);
    const addedAgain = await store.addTopics([{ ...topic, query: 'changed' }]);
    const topics = await store.listTopics();

    expect(added).toBe(1);
    expect(addedAgain).toBe(0);
    expect(topics).toEqual([topic]);
  });
});

describe('seeding and the compiled-topics cache', () => {
  it('stores the pack once and compiles again only when a topic or alias changes', async () => {
    // Prepare
    const own = await createTestTables();
    const stores = createDynamoStores(own.document, own.names, 30);
    const defaults = {
      feeds: [feedConfig('https://seed.example.org/rss')],
      topics: [{ id: 'energy', name: 'Energy', description: '', query: '@russia gas' }],
      aliases: { russia: 'russia OR moscow' },
    };
    const cache = new TopicMatcherCache(compileTopics);
    const now = new Date('2025-05-01T10:00:00Z');

    // Act
    const first = await seedDefaults(stores, defaults, now);
    const second = await seedDefaults(stores, defaults, now);
    const { matcher } = await cache.load(stores.topics);
    await cache.load(stores.topics);
    const compilationsBefore = cache.compilations;
    await stores.topics.addAliases({ iran: 'iran OR tehran' });
    await cache.load(stores.topics);

    // Assess
    expect(first).toEqual({ feedsAdded: 1, topicsAdded: 1, aliasesAdded: 1 });
    expect(second).toEqual({ feedsAdded: 0, topicsAdded: 0, aliasesAdded: 0 });
    expect(await stores.topics.listAliases()).toEqual({
      russia: 'russia OR moscow',
      iran: 'iran OR tehran',
    });
    expect(compilationsBefore).toBe(1);
    expect(cache.compilations).toBe(2);
    expect(matcher.match({ title: 'Moscow sells gas', summary: '', language: 'en' })).toEqual([
      { topicId: 'energy', terms: ['moscow', 'gas'] },
    ]);
  });
});

describe('DynamoMatchStore', () => {
  it('returns a match for alerting until it is marked alerted, and never after', async () => {
    // Prepare
    const store = new DynamoMatchStore(tables.document, tables.names.matches, {
      retentionDays: 30,
    });
    const now = new Date('2025-05-01T10:00:00Z');
    const matches = [
      { topicId: 'energy', terms: ['gazprom'] },
      { topicId: 'finance-trade', terms: ['mir'] },
    ];

    // Act
    const first = await store.recordPending('article-1', matches, now);
    const afterCrash = await store.recordPending('article-1', matches, now);
    await store.markAlerted('article-1', ['energy', 'finance-trade'], 'alert-1', now);
    const afterAlert = await store.recordPending('article-1', matches, now);

    // Assess
    expect(first).toEqual(matches);
    expect(afterCrash).toEqual(matches);
    expect(afterAlert).toEqual([]);
  });
});
