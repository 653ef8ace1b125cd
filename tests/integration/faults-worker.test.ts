/**
 * The poll worker (SQS → Lambda) under at-least-once delivery and a throttled table, as Lambda
 * runs it: the handler composes its real parts from env vars (dynalite through the SDK, a
 * loopback feed), SNS is mocked. One due-feed message delivered twice in one batch (SQS
 * duplicates, or two dispatches of one tick: different message ids, same business key) alerts
 * once; a batch whose every record fails reports every record for SQS to retry.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoFeedStore } from '../../functions/adapters/dynamodb/feed-store';
import { DynamoSubscriptionStore } from '../../functions/adapters/dynamodb/subscription-store';
import { DynamoTopicStore } from '../../functions/adapters/dynamodb/topic-store';
import { subscribe } from '../../functions/core/subscriptions/subscribe';
import { OutboxSubscriptionChannel } from '../../functions/local/outbox-subscription-channel';
import { createTestTables, type TestTables } from '../support/dynamo';
import { captureStdout } from '../support/emf';
import { sqsRecord } from '../support/sqs';
import { DynamoFaults, FeedServer, ITEMS, TOPICS } from './faults-world';

const dueAt = '2025-05-01T10:00:00.000Z';
const snsMock = mockClient(SNSClient);

// The handler's fetcher refuses loopback, as deployed; this test's feeds are on loopback.
vi.mock('../../functions/adapters/http-feed-fetcher', async (importOriginal) => {
  const original =
    await importOriginal<typeof import('../../functions/adapters/http-feed-fetcher')>();
  class LoopbackTestFetcher extends original.HttpFeedFetcher {
    constructor(options: ConstructorParameters<typeof original.HttpFeedFetcher>[0] = {}) {
      super({ ...options, allowLoopback: true });
    }
  }
  return { ...original, HttpFeedFetcher: LoopbackTestFetcher };
});

let server: FeedServer;
let tables: TestTables;
let handler: typeof import('../../functions/handlers/poll-worker').handler;
let faults: DynamoFaults;
const feeds: Record<string, { id: string; url: string; name: string; language: 'en' }> = {};

beforeAll(async () => {
  server = await new FeedServer().start();
  tables = await createTestTables();
  feeds.twice = server.feed('worker-twice', [ITEMS.gasDeal, ITEMS.ratification]);
  // Three distinct developments: copies of one item polled at the same moment may each start a
  // story (the folding race docs/security.md names), which this test is not about.
  feeds.one = server.feed('worker-one', [ITEMS.railway]);
  feeds.two = server.feed('worker-two', [ITEMS.pipeline]);
  feeds.three = server.feed('worker-three', [
    {
      guid: 'majlis-ratifies',
      title: 'Iran’s Majlis ratifies the strategic partnership treaty with Russia',
      description: 'Iranian lawmakers approved the treaty in Tehran on Sunday by a wide margin.',
      link: 'https://irna.example/politics/majlis-ratifies',
    },
  ]);
  // One wire story that three outlets carry, polled in one batch.
  for (const name of ['copy-a', 'copy-b', 'copy-c']) {
    feeds[name] = server.feed(`worker-${name}`, [
      {
        guid: `gas-hub-${name}`,
        title: 'Russia and Iran agree to build a regional gas hub in southern Iran',
        description:
          'Gazprom will help set up a gas trading hub at Asaluyeh, the two energy ministers said in Tehran on Wednesday.',
        link: `https://${name}.example/energy/gas-hub`,
      },
    ]);
  }
  await new DynamoFeedStore(tables.document, tables.names.feeds).addFeeds(
    Object.values(feeds),
    new Date(dueAt),
  );
  await new DynamoTopicStore(tables.document, tables.names.topics).addTopics(TOPICS);
  const clock = { now: () => new Date(dueAt) };
  const dir = await mkdtemp(join(tmpdir(), 'news-alerts-faults-worker-'));
  await subscribe(
    { endpoint: 'analyst@example.org', topics: TOPICS.map((topic) => topic.id) },
    {
      store: new DynamoSubscriptionStore(tables.document, tables.names.subscriptions),
      channel: new OutboxSubscriptionChannel(join(dir, 'subscriptions.jsonl'), clock),
      clock,
      topicIds: new Set(TOPICS.map((topic) => topic.id)),
    },
  );
  Object.assign(process.env, {
    FEEDS_TABLE: tables.names.feeds,
    ARTICLES_TABLE: tables.names.articles,
    TOPICS_TABLE: tables.names.topics,
    MATCHES_TABLE: tables.names.matches,
    SUBSCRIPTIONS_TABLE: tables.names.subscriptions,
    DELIVERIES_TABLE: tables.names.deliveries,
    STORIES_TABLE: tables.names.stories,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  ({ handler } = await import('../../functions/handlers/poll-worker'));
  const { dynamo } = await import('../../functions/handlers/shared/compose');
  faults = new DynamoFaults(dynamo.client);
  snsMock
    .on(PublishBatchCommand)
    .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => ({
      Successful: input.PublishBatchRequestEntries.map((entry) => ({
        Id: entry.Id,
        MessageId: `sns-${entry.Id}`,
      })),
      Failed: [],
    }));
});

afterAll(async () => {
  snsMock.restore();
  await server.close();
});

/** Every entry SNS was asked to publish, by entry id. */
function publishedEntries(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of snsMock.commandCalls(PublishBatchCommand)) {
    for (const entry of call.args[0].input.PublishBatchRequestEntries ?? []) {
      counts.set(entry.Id ?? '', (counts.get(entry.Id ?? '') ?? 0) + 1);
    }
  }
  return counts;
}

describe('poll worker under duplicates and faults', () => {
  it('alerts once when one due feed comes twice in a batch, under different message ids', async () => {
    // Prepare
    const body = JSON.stringify({ feedId: feeds.twice?.id, dueAt });
    const event: SQSEvent = { Records: [sqsRecord('msg-a', body), sqsRecord('msg-b', body)] };

    // Act
    const stdout = captureStdout();
    const response = await handler(event).finally(() => stdout.restore());

    // Assess: two stories, one audience: two entries, each published once.
    expect(response).toEqual({ batchItemFailures: [] });
    expect([...publishedEntries().values()]).toEqual([1, 1]);
    expect(stdout.emf()[0]).toMatchObject({ FeedsPolled: 2, Deliveries: 2, AlertFailures: 0 });
  });

  it('reports every record of a batch whose feeds cannot be read, for SQS to retry', async () => {
    // Prepare: the feeds table is throttled past the SDK's retries.
    snsMock.resetHistory();
    faults.fail({
      command: 'GetItemCommand',
      matching: new RegExp(tables.names.feeds),
      error: () =>
        new ThrottlingException({
          message: 'Throughput exceeds the current capacity of your table or index.',
          $metadata: { httpStatusCode: 400 },
        }),
    });
    const event: SQSEvent = {
      Records: ['one', 'two', 'three'].map((name) =>
        sqsRecord(`msg-${name}`, JSON.stringify({ feedId: feeds[name]?.id, dueAt })),
      ),
    };

    // Act
    const stdout = captureStdout();
    const response = await handler(event).finally(() => stdout.restore());
    const publishedWhileThrottled = snsMock.commandCalls(PublishBatchCommand).length;
    faults.clear();
    const retried = await handler(event);

    // Assess: all three back to SQS, none polled; SQS's redelivery then polls them once.
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      'msg-one',
      'msg-two',
      'msg-three',
    ]);
    expect(publishedWhileThrottled).toBe(0);
    expect(stdout.emf()[0]).toMatchObject({ FeedsPolled: 0 });
    expect(retried).toEqual({ batchItemFailures: [] });
    expect([...publishedEntries().values()]).toEqual([1, 1, 1]);
  });

  it('alerts once for one story that three feeds of the batch carry', async () => {
    // Prepare
    snsMock.resetHistory();
    const event: SQSEvent = {
      Records: ['copy-a', 'copy-b', 'copy-c'].map((name) =>
        sqsRecord(`msg-${name}`, JSON.stringify({ feedId: feeds[name]?.id, dueAt })),
      ),
    };

    // Act
    const stdout = captureStdout();
    const response = await handler(event).finally(() => stdout.restore());

    // Assess: one story, two copies folded into it, one entry published once.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(stdout.emf()[0]).toMatchObject({ FeedsPolled: 3, Stories: 1, Copies: 2 });
    expect([...publishedEntries().values()]).toEqual([1]);
  });
});
