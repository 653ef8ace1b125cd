/**
 * DynamoDB faults under the real pipeline, injected through the SDK against dynalite: throttling
 * (ProvisionedThroughputExceededException, ThrottlingException with a key-range reason) and
 * server errors (InternalServerError), passing or lasting; unprocessed keys and items in batch
 * calls; items far over the item size limit; a request that is never answered. Each time no alert
 * is lost or sent twice, a feed's trouble stays its own, and what failed is retried.
 */
import { createServer, type Socket } from 'node:net';
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDynamoClients,
  DYNAMO_REQUEST_TIMEOUT_MS,
  localDynamoConfig,
} from '../../functions/adapters/dynamodb/client';
import {
  DynamoBatchIncompleteError,
  type RetryPolicy,
} from '../../functions/adapters/dynamodb/retry';
import { DynamoStoryIndex } from '../../functions/adapters/dynamodb/story-index';
import { runPollCycle } from '../../functions/core/pipeline/run-poll-cycle';
import { createTestTables } from '../support/dynamo';
import {
  createWorld,
  DynamoFaults,
  FeedServer,
  ITEMS,
  MINUTE,
  RecordingPublisher,
} from './faults-world';

let server: FeedServer;
beforeAll(async () => {
  server = await new FeedServer().start();
});
afterAll(async () => {
  await server.close();
});

const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded.',
    $metadata: { httpStatusCode: 400 },
  });
const keyRangeThrottled = () =>
  new ThrottlingException({
    message: 'Throughput exceeds the current capacity for one or more key ranges.',
    $metadata: { httpStatusCode: 400 },
    throttlingReasons: [
      {
        reason: 'TableWriteKeyRangeThroughputExceeded',
        resource: 'arn:aws:dynamodb:eu-central-1:123456789012:table/news-alerts-Articles',
      },
    ],
  });
const serverError = () =>
  new InternalServerError({
    message: 'Internal server error',
    $metadata: { httpStatusCode: 500 },
  });

const EVERY_COMMAND = [
  'PutItemCommand',
  'UpdateItemCommand',
  'QueryCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
];

/** Sends per delivery, and the deliveries that went out more than once. */
function sendsOf(publisher: RecordingPublisher) {
  const counts = publisher.counts();
  return { total: counts.size, repeated: [...counts].filter(([, count]) => count > 1) };
}

describe('throttling and server errors', () => {
  it.each([
    ['ProvisionedThroughputExceededException', throttled],
    ['ThrottlingException (key range)', keyRangeThrottled],
    ['InternalServerError', serverError],
  ])(
    'retries every call whose first attempt fails with %s, and the cycle loses nothing',
    async (_name, error) => {
      // Prepare: the first attempt of the first two calls of each kind fails (throttling waits
      // are long: the SDK starts its back-off at 500 ms for them).
      const feed = server.feed(`passing-${_name.slice(0, 8)}`, [
        ITEMS.gasDeal,
        ITEMS.ratification,
        ITEMS.railway,
        ITEMS.filler,
      ]);
      const publisher = new RecordingPublisher();
      const world = await createWorld([feed], publisher);
      for (const command of EVERY_COMMAND) {
        world.faults.fail({ command, error, firstAttemptOnly: true, times: 2 });
      }

      // Act
      const report = await runPollCycle(world.deps, { concurrency: 1 });

      // Assess: three stories; the gas deal to email and SMS, the treaty to email and the digest.
      expect(report).toMatchObject({ feedsFailed: 0, newArticles: 4, alerts: 3, deliveries: 4 });
      expect(sendsOf(publisher)).toEqual({ total: 4, repeated: [] });
      expect(await world.queued()).toHaveLength(1);
      for (const command of EVERY_COMMAND) expect(world.faults.count(command)).toBeGreaterThan(0);
    },
  );

  it('fails only the feed whose writes stay throttled; the next cycle sends its alerts once', async () => {
    // Prepare: every write about feed A's items is throttled, past the SDK's retries.
    const feedA = server.feed('throttled-a', [ITEMS.gasDeal]);
    const feedB = server.feed('healthy-b', [ITEMS.ratification, ITEMS.railway]);
    const publisher = new RecordingPublisher();
    const world = await createWorld([feedA, feedB], publisher);
    world.faults.fail({
      command: 'PutItemCommand',
      matching: new RegExp(feedA.id),
      error: keyRangeThrottled,
    });

    // Act
    const first = await runPollCycle(world.deps, { concurrency: 2 });
    const stateA = await world.stores.feeds.getFeed(feedA.id);
    world.faults.clear();
    world.clock.advance(MINUTE);
    const second = await runPollCycle(world.deps, { concurrency: 2 });

    // Assess: B alerted in the first cycle, A's failure was recorded with its reason and retried.
    expect(first).toMatchObject({ feedsFailed: 1, alerts: 2, deliveries: 2 });
    expect(first.failures).toEqual([
      { feedId: feedA.id, url: feedA.url, reason: expect.stringMatching(/key ranges/) },
    ]);
    expect(stateA).toMatchObject({
      consecutiveErrors: 1,
      lastError: expect.stringMatching(/key ranges/),
      etag: undefined,
    });
    expect(second).toMatchObject({ feedsFailed: 0, alerts: 1, deliveries: 2 });
    expect(sendsOf(publisher)).toEqual({ total: 4, repeated: [] });
  });
});

describe('unprocessed keys and items', () => {
  it('never takes a known article whose key came back unprocessed for a new one', async () => {
    // Prepare: a first cycle stores four items; then one item is added.
    const items = [ITEMS.gasDeal, ITEMS.ratification, ITEMS.railway, ITEMS.filler];
    const publisher = new RecordingPublisher();
    const world = await createWorld([server.feed('unprocessed-get', items)], publisher);
    await runPollCycle(world.deps, { concurrency: 1 });
    server.feed('unprocessed-get', [ITEMS.pipeline, ...items]);
    world.faults.leaveUnprocessed('BatchGetItemCommand', 3);

    // Act
    world.clock.advance(MINUTE);
    const report = await runPollCycle(world.deps, { concurrency: 1 });

    // Assess: the new item alone is new; the known ones were looked up again, not re-alerted.
    expect(world.faults.count('BatchGetItemCommand')).toBe(3);
    expect(report).toMatchObject({ feedsFailed: 0, newArticles: 1, alerts: 1, deliveries: 2 });
    expect(sendsOf(publisher)).toEqual({ total: 6, repeated: [] });
  });

  it('fails the feed when keys stay unprocessed, rather than guess, and recovers next cycle', async () => {
    // Prepare
    const items = [ITEMS.gasDeal, ITEMS.filler];
    const publisher = new RecordingPublisher();
    const world = await createWorld([server.feed('unprocessed-always', items)], publisher);
    await runPollCycle(world.deps, { concurrency: 1 });
    server.feed('unprocessed-always', [ITEMS.railway, ...items]);
    world.faults.leaveUnprocessed('BatchGetItemCommand', 1_000);

    // Act
    world.clock.advance(MINUTE);
    const stuck = await runPollCycle(world.deps, { concurrency: 1 });
    world.faults.clear();
    world.clock.advance(MINUTE);
    const recovered = await runPollCycle(world.deps, { concurrency: 1 });

    // Assess
    expect(stuck.failures[0]?.reason).toMatch(/unprocessed/);
    expect(recovered).toMatchObject({ feedsFailed: 0, newArticles: 1, alerts: 1 });
    expect(sendsOf(publisher)).toEqual({ total: 3, repeated: [] });
  });

  it('writes every story key despite unprocessed items, so a later copy still folds', async () => {
    // Prepare: the story index's BatchWriteItem calls hand back half their items twice.
    const publisher = new RecordingPublisher();
    const first = server.feed('unprocessed-write', [ITEMS.gasDeal]);
    const world = await createWorld([first], publisher);
    world.faults.leaveUnprocessed('BatchWriteItemCommand', 2);
    await runPollCycle(world.deps, { concurrency: 1 });
    const later = server.feed('unprocessed-copy', [ITEMS.gasDealCopy]);
    await world.stores.feeds.addFeeds([later], world.clock.now());

    // Act
    world.clock.advance(MINUTE);
    const report = await runPollCycle(world.deps, { concurrency: 1 });

    // Assess
    expect(world.faults.count('BatchWriteItemCommand')).toBe(2);
    expect(report).toMatchObject({ feedsFailed: 0, copies: 1, alerts: 0 });
    expect(sendsOf(publisher)).toEqual({ total: 2, repeated: [] });
  });

  it('writes the story keys 25 a call, and retries unprocessed ones with growing waits', async () => {
    // Prepare: a member under 57 keys (the URL key and 56 band keys), as the fingerprint makes.
    const tables = await createTestTables();
    const faults = new DynamoFaults(tables.client);
    const sizes: number[] = [];
    tables.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchWriteItemCommand') {
          const input = args.input as { RequestItems: Record<string, unknown[]> };
          sizes.push(Object.values(input.RequestItems)[0]?.length ?? 0);
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordBatchSizes', priority: 'high' },
    );
    const waits: number[] = [];
    const retry: RetryPolicy = {
      maxAttempts: 4,
      baseDelayMs: 100,
      delay: async (ms) => void waits.push(ms),
    };
    const index = new DynamoStoryIndex(tables.document, tables.names.stories, retry);
    const member = {
      storyId: 'story-1',
      articleId: 'article-1',
      firstSeen: '2025-05-01T10:00:00.000Z',
      signature: [1, 2, 3],
      topicIds: ['energy'],
    };
    const keys = Array.from({ length: 57 }, (_, key) => `band-${key}`);

    // Act: once with one unprocessed answer, once with unprocessed answers for ever.
    faults.leaveUnprocessed('BatchWriteItemCommand', 1);
    await index.addMember(member, keys);
    const found = await index.findCandidates(keys);
    faults.leaveUnprocessed('BatchWriteItemCommand', 1_000);
    const stuck = index.addMember({ ...member, articleId: 'article-2' }, ['other-key', ...keys]);

    // Assess
    // What our code asked for: 25, the 13 handed back, 25, 7; never more than 25 a call.
    expect(sizes.slice(0, 4)).toEqual([25, 13, 25, 7]);
    expect(Math.max(...sizes)).toBe(25);
    expect(found.map((candidate) => candidate.articleId)).toEqual(['article-1']);
    await expect(stuck).rejects.toBeInstanceOf(DynamoBatchIncompleteError);
    expect(waits).toHaveLength(1 + 3);
    // Full jitter under a ceiling that doubles: each wait within base × 2^attempt.
    waits.slice(1).forEach((wait, attempt) => {
      expect(wait).toBeLessThanOrEqual(retry.baseDelayMs * 2 ** (attempt + 1));
    });
  });
});

describe('item sizes', () => {
  it('stores an item whose title and description are far over the 400 KB item limit', async () => {
    // Prepare: dynalite refuses items over 400 KB as DynamoDB does.
    const huge = {
      guid: 'huge',
      title: `Gazprom ${'pipeline '.repeat(30_000)}`,
      description: `Gas ${'contract '.repeat(70_000)}`,
    };
    const publisher = new RecordingPublisher();
    const world = await createWorld([server.feed('huge', [huge])], publisher);

    // Act
    const report = await runPollCycle(world.deps, { concurrency: 1 });

    // Assess
    expect(report).toMatchObject({ feedsFailed: 0, newArticles: 1, alerts: 1, deliveries: 2 });
  });
});

describe('a DynamoDB request that is never answered', () => {
  it('is abandoned at the request deadline instead of holding the worker', async () => {
    // Prepare: an endpoint that accepts connections and never answers.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const { document, client } = createDynamoClients({
      ...localDynamoConfig(`http://127.0.0.1:${port}`),
      maxAttempts: 1,
    });
    const started = Date.now();

    // Act
    const read = document.send(new GetCommand({ TableName: 'feeds', Key: { feedId: 'f' } }));

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'TimeoutError' });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(DYNAMO_REQUEST_TIMEOUT_MS - 100);
    expect(waited).toBeLessThan(DYNAMO_REQUEST_TIMEOUT_MS + 2_000);
    client.destroy();
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
});
