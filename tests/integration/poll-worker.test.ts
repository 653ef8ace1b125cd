/**
 * The poll worker as Lambda runs it: an SQS event with several records in, real parts behind it
 * (a loopback feed server, the HTTP fetcher, dynalite through the SDK the handler makes from its
 * env vars) and SNS mocked. Each record stands alone: a valid feed is polled and alerts, an
 * invalid body and a feed no longer stored are dropped, and a feed whose read fails on a
 * throttled DynamoDB is the one record reported for a retry.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoFeedStore } from '../../functions/adapters/dynamodb/feed-store';
import { DynamoSubscriptionStore } from '../../functions/adapters/dynamodb/subscription-store';
import { DynamoTopicStore } from '../../functions/adapters/dynamodb/topic-store';
import { feedIdFor } from '../../functions/core/ids';
import { loadDefaultTopicPack } from '../../functions/core/matching/topic-pack';
import { subscribe } from '../../functions/core/subscriptions/subscribe';
import { type DemoFeedServer, startDemoFeedServer } from '../../functions/local/demo-feed-server';
import { OutboxSubscriptionChannel } from '../../functions/local/outbox-subscription-channel';
import { createTestTables, type TestTables } from '../support/dynamo';
import { captureStdout } from '../support/emf';
import { sqsRecord } from '../support/sqs';

const FIXTURES = join(import.meta.dirname, '../fixtures/cycle');
const dueSince = '2025-05-01T10:00:00.000Z';
const brokenUrl = 'https://broken.example.org/rss';
const snsMock = mockClient(SNSClient);

// The handler's fetcher refuses loopback, as deployed; the fixture feed server is on loopback, so
// this test alone lets it through, and keeps what the handler asked for to check it did not.
const composed = vi.hoisted(() => ({ fetcherOptions: [] as unknown[] }));
vi.mock('../../functions/adapters/http-feed-fetcher', async (importOriginal) => {
  const original =
    await importOriginal<typeof import('../../functions/adapters/http-feed-fetcher')>();
  class LoopbackTestFetcher extends original.HttpFeedFetcher {
    constructor(options: ConstructorParameters<typeof original.HttpFeedFetcher>[0] = {}) {
      composed.fetcherOptions.push(options);
      super({ ...options, allowLoopback: true });
    }
  }
  return { ...original, HttpFeedFetcher: LoopbackTestFetcher };
});

/** The Lambda context of an invocation, as the runtime passes it. */
const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'news-alerts-PollWorkerFunction-7Hk2',
  functionVersion: '$LATEST',
  invokedFunctionArn:
    'arn:aws:lambda:eu-central-1:123456789012:function:news-alerts-PollWorkerFunction-7Hk2',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/news-alerts-PollWorkerFunction-7Hk2',
  logStreamName: '2025/05/01/[$LATEST]2a4b8c',
  getRemainingTimeInMillis: () => 120_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

let server: DemoFeedServer;
let tables: TestTables;
let handler: typeof import('../../functions/handlers/poll-worker').handler;
let audienceTarget: string;

beforeAll(async () => {
  server = await startDemoFeedServer({ dataDir: FIXTURES });
  tables = await createTestTables();
  const feeds = new DynamoFeedStore(tables.document, tables.names.feeds);
  const wire = server.feeds.find((feed) => feed.name === 'Wire');
  if (!wire) throw new Error('no Wire feed in the fixtures');
  await feeds.addFeeds(
    [wire, { id: feedIdFor(brokenUrl), url: brokenUrl, name: 'Broken', language: 'en' }],
    new Date(dueSince),
  );
  // The topic pack, as the deploy-time seed adds it, and one audience for all of its topics.
  const pack = loadDefaultTopicPack();
  const topicStore = new DynamoTopicStore(tables.document, tables.names.topics);
  await topicStore.addAliases(pack.aliases);
  await topicStore.addTopics(pack.topics);
  const clock = { now: () => new Date(dueSince) };
  const subscriptions = new DynamoSubscriptionStore(tables.document, tables.names.subscriptions);
  const topicIds = pack.topics.map((topic) => topic.id);
  const dir = await mkdtemp(join(tmpdir(), 'news-alerts-worker-'));
  await subscribe(
    { endpoint: 'analyst@example.org', topics: topicIds },
    {
      store: subscriptions,
      channel: new OutboxSubscriptionChannel(join(dir, 'subscriptions.jsonl'), clock),
      clock,
      topicIds: new Set(topicIds),
    },
  );
  const [audience] = await subscriptions.listAudiences();
  audienceTarget = audience?.target ?? '';

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
  // Reading the broken feed fails as a throttled table does, before any SDK retry could help.
  const { dynamo } = await import('../../functions/handlers/shared/compose');
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = JSON.stringify(args.input);
      if (context.commandName === 'GetItemCommand' && input.includes(feedIdFor(brokenUrl))) {
        throw new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded.',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectThrottling' },
  );
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
  await server.close();
});

describe('poll worker handler', () => {
  it('polls each record on its own and reports only the one worth a retry', async () => {
    // Prepare
    const wireId = server.feeds.find((feed) => feed.name === 'Wire')?.id ?? '';
    const event: SQSEvent = {
      Records: [
        sqsRecord('msg-wire', JSON.stringify({ feedId: wireId, dueAt: dueSince })),
        sqsRecord('msg-invalid', '{"feed":"not a due-feed message"'),
        sqsRecord('msg-broken', JSON.stringify({ feedId: feedIdFor(brokenUrl), dueAt: dueSince })),
        sqsRecord('msg-gone', JSON.stringify({ feedId: 'feed-removed', dueAt: dueSince })),
      ],
    };

    // Act
    const stdout = captureStdout();
    const response = await handler(event, lambdaContext).finally(() => stdout.restore());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-broken' }] });
    // Every log line of the invocation names it (logger.addContext).
    const logs = stdout.lines().filter((line) => 'level' in line);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(line).toMatchObject({
        function_request_id: lambdaContext.awsRequestId,
        function_name: lambdaContext.functionName,
        cold_start: expect.any(Boolean),
      });
    }
    // One feed polled: the invalid, gone and throttled records are not polls.
    expect(stdout.emf()).toEqual([
      expect.objectContaining({
        service: 'news-alerts',
        FeedsPolled: 1,
        FeedsUnchanged: 0,
        FeedsFailed: 0,
        NewArticles: 3,
        Matches: 3,
        Stories: 2,
        Copies: 0,
        Deliveries: 2,
        QueuedForDigest: 0,
        AlertFailures: 0,
        DeadLetters: 0,
      }),
    ]);
    expect(stdout.emf()[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('NewsAlerts');
    const feeds = new DynamoFeedStore(tables.document, tables.names.feeds);
    const wire = await feeds.getFeed(wireId);
    expect(wire).toMatchObject({ consecutiveErrors: 0, lastError: undefined });
    expect(wire?.lastSuccessAt).toBeDefined();
    expect(Date.parse(wire?.nextPollAt ?? '')).toBeGreaterThan(Date.parse(dueSince));
    expect(snsMock).toReceiveCommandWith(PublishBatchCommand, { TopicArn: audienceTarget });
    // The broken feed was never polled: its state is as it was dispatched.
    expect(await feeds.getFeed(feedIdFor(brokenUrl))).toMatchObject({
      consecutiveErrors: 0,
      nextPollAt: dueSince,
      lastSuccessAt: undefined,
    });
  });

  it('composes a fetcher that keeps loopback refused', () => {
    // Assess: one fetcher for the handler, built without the loopback opt-in.
    expect(composed.fetcherOptions).toEqual([expect.not.objectContaining({ allowLoopback: true })]);
  });

  it('skips a feed polled since it was dispatched', async () => {
    // Prepare: the wire feed was polled by the first test, after this message's due time.
    const wireId = server.feeds.find((feed) => feed.name === 'Wire')?.id ?? '';
    snsMock.resetHistory();
    const event: SQSEvent = {
      Records: [sqsRecord('msg-duplicate', JSON.stringify({ feedId: wireId, dueAt: dueSince }))],
    };

    // Act
    const response = await handler(event);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(snsMock).not.toReceiveCommand(PublishBatchCommand);
  });
});
