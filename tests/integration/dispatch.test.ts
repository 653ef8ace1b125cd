/**
 * The dispatch handler as Lambda runs it: a scheduled event in, the due feeds read from dynalite
 * through the real SDK (its env vars point it there), and the exact SendMessageBatch calls it
 * makes to the feed queue, on a mocked SQS client.
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import feedList from '../../data/feeds.json' with { type: 'json' };
import { DynamoFeedStore } from '../../functions/adapters/dynamodb/feed-store';
import { parseFeedList } from '../../functions/core/feeds/feed-list';
import { feedIdFor } from '../../functions/core/ids';
import type { Feed } from '../../functions/core/model';
import { createTestTables } from '../support/dynamo';
import { captureStdout, type StdoutCapture } from '../support/emf';

const queueUrl = 'https://sqs.eu-central-1.amazonaws.com/123456789012/news-alerts-FeedQueue-1A2B3C';
const sqsMock = mockClient(SQSClient);
const dueSince = new Date('2025-05-01T10:00:00Z');
const scheduledEvent: EventBridgeEvent<'Scheduled Event', Record<string, never>> = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2025-05-01T10:15:00Z',
  region: 'eu-central-1',
  resources: ['arn:aws:events:eu-central-1:123456789012:rule/news-alerts-PollSchedule'],
  detail: {},
};

let handler: typeof import('../../functions/handlers/dispatch').handler;
/** The 23 due feeds in the order the store lists them. */
let due: Feed[];

beforeAll(async () => {
  const tables = await createTestTables();
  const store = new DynamoFeedStore(tables.document, tables.names.feeds);
  // The configured feeds exist and are not due, so the 23 test feeds are all that is due.
  const configured = parseFeedList(feedList);
  await store.addFeeds(configured, dueSince);
  for (const feed of configured) {
    await store.savePollState(feed.id, {
      consecutiveErrors: 0,
      nextPollAt: '2999-01-01T00:00:00.000Z',
    });
  }
  const urls = Array.from({ length: 23 }, (_, n) => `https://feeds.example.org/${n}.xml`);
  await store.addFeeds(
    urls.map((url, n) => ({ id: feedIdFor(url), url, name: `Feed ${n}`, language: 'en' })),
    dueSince,
  );
  due = await store.listDueFeeds(new Date());

  Object.assign(process.env, {
    FEEDS_TABLE: tables.names.feeds,
    FEED_QUEUE_URL: queueUrl,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  ({ handler } = await import('../../functions/handlers/dispatch'));
});

let stdout: StdoutCapture;

beforeEach(() => {
  sqsMock.reset();
  stdout = captureStdout();
});

afterEach(() => {
  stdout.restore();
});

/** The dispatcher's EMF declaration: three counts in NewsAlerts, by service. */
const dispatchMetrics = {
  Namespace: 'NewsAlerts',
  Dimensions: [['service']],
  Metrics: [
    { Name: 'FeedsDue', Unit: 'Count' },
    { Name: 'FeedsQueued', Unit: 'Count' },
    { Name: 'FeedsNotQueued', Unit: 'Count' },
  ],
};

/** The entry of the n-th due feed, as the dispatcher builds it. */
const entry = (n: number): SendMessageBatchRequestEntry => {
  const feed = due[n];
  if (!feed) throw new Error(`no due feed ${n}`);
  return {
    Id: `m${n}`,
    MessageBody: JSON.stringify({ feedId: feed.id, dueAt: feed.nextPollAt }),
  };
};
const entries = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, index) => entry(from + index));
const accepted = (...ids: string[]): Partial<SendMessageBatchCommandOutput> => ({
  Successful: ids.map((Id) => ({ Id, MessageId: `msg-${Id}`, MD5OfMessageBody: 'x' })),
  Failed: [],
});

describe('dispatch handler', () => {
  it('sends the 23 due feeds in batches of 10, 10 and 3', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) =>
        accepted(...input.Entries.map((sent) => sent.Id ?? '')),
      );

    // Act
    const report = await handler(scheduledEvent);

    // Assess
    expect(due).toHaveLength(23);
    expect(due.every((feed) => feed.nextPollAt === dueSince.toISOString())).toBe(true);
    expect(sqsMock).toReceiveCommandTimes(SendMessageBatchCommand, 3);
    expect(sqsMock).toReceiveNthCommandWith(SendMessageBatchCommand, 1, {
      QueueUrl: queueUrl,
      Entries: entries(0, 10),
    });
    expect(sqsMock).toReceiveNthCommandWith(SendMessageBatchCommand, 2, {
      QueueUrl: queueUrl,
      Entries: entries(10, 20),
    });
    expect(sqsMock).toReceiveNthCommandWith(SendMessageBatchCommand, 3, {
      QueueUrl: queueUrl,
      Entries: entries(20, 23),
    });
    expect(report).toEqual({ due: 23, sent: 23, failed: [] });
  });

  it('publishes the due and queued feeds as EMF metrics and logs the dispatch', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) =>
        accepted(...input.Entries.map((sent) => sent.Id ?? '')),
      );

    // Act
    await handler(scheduledEvent);

    // Assess
    expect(stdout.emf()).toEqual([
      {
        _aws: { Timestamp: expect.any(Number), CloudWatchMetrics: [dispatchMetrics] },
        service: 'news-alerts',
        FeedsDue: 23,
        FeedsQueued: 23,
        FeedsNotQueued: 0,
      },
    ]);
    expect(stdout.lines()).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'due feeds dispatched',
        service: 'news-alerts',
        due: 23,
        sent: 23,
      }),
    );
  });

  it('sends an entry SQS failed once again, alone', async () => {
    // Prepare: the first batch comes back with m3 failed on SQS's side.
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFakeOnce(() => ({
        ...accepted(...entries(0, 10).flatMap((sent) => (sent.Id === 'm3' ? [] : [sent.Id ?? '']))),
        Failed: [{ Id: 'm3', SenderFault: false, Code: 'InternalError', Message: 'try again' }],
      }))
      .callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) =>
        accepted(...input.Entries.map((sent) => sent.Id ?? '')),
      );

    // Act
    const report = await handler(scheduledEvent);

    // Assess
    expect(sqsMock).toReceiveCommandTimes(SendMessageBatchCommand, 4);
    expect(sqsMock).toReceiveNthCommandWith(SendMessageBatchCommand, 4, {
      QueueUrl: queueUrl,
      Entries: [entry(3)],
    });
    expect(report).toEqual({ due: 23, sent: 23, failed: [] });
  });

  it('fails the invocation, naming the feed, when an entry is still refused after its retries', async () => {
    // Prepare: m22 is refused on every try.
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => {
        const ids = input.Entries.map((sent) => sent.Id ?? '');
        return {
          ...accepted(...ids.filter((id) => id !== 'm22')),
          Failed: ids.includes('m22')
            ? [{ Id: 'm22', SenderFault: false, Code: 'ServiceUnavailable', Message: 'busy' }]
            : [],
        };
      });

    // Act
    const dispatched = handler(scheduledEvent);

    // Assess
    await expect(dispatched).rejects.toMatchObject({
      name: 'FeedDispatchIncompleteError',
      report: {
        due: 23,
        sent: 22,
        failed: [{ feedId: due[22]?.id, reason: 'ServiceUnavailable: busy' }],
      },
    });
    // The counts of the failed run are published all the same.
    expect(stdout.emf()).toEqual([
      expect.objectContaining({ FeedsDue: 23, FeedsQueued: 22, FeedsNotQueued: 1 }),
    ]);
    // The first send and three retries of m22 alone.
    expect(sqsMock).toReceiveCommandTimes(SendMessageBatchCommand, 6);
    expect(sqsMock).toReceiveNthCommandWith(SendMessageBatchCommand, 6, {
      QueueUrl: queueUrl,
      Entries: [entry(22)],
    });
  });
});
