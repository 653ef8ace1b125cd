/**
 * The scheduled dispatcher (EventBridge → Lambda): sends each feed due now to the feed queue,
 * where the poll workers (poll-worker.ts) pick them up one by one. It only reads the due index and
 * sends, so one tick costs the same however slow the feeds are. The feeds were added at deploy time
 * (seed.ts). A feed it could not queue fails
 * the invocation (errors metric, failure queue, alarm); that feed stays due for the next tick.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { createDynamoClients } from '../adapters/dynamodb/client';
import { DynamoFeedStore } from '../adapters/dynamodb/feed-store';
import { SqsFeedQueue } from '../adapters/sqs-feed-queue';
import {
  type DispatchReport,
  dispatchDueFeeds,
  FeedDispatchIncompleteError,
} from '../core/pipeline/dispatch-due-feeds';
import * as z from '../core/zod';
import { tableName } from './shared/env-schema';
import { addCounts, logger, withMetrics } from './shared/observability';

const config = z
  .object({
    FEEDS_TABLE: tableName(),
    FEED_QUEUE_URL: z.url(),
  })
  .parse(process.env);

const feeds = new DynamoFeedStore(createDynamoClients().document, config.FEEDS_TABLE);
// The queue retries failed entries itself; SDK retries on top would multiply the attempts.
const queue = new SqsFeedQueue({
  client: new SQSClient({ maxAttempts: 1 }),
  queueUrl: config.FEED_QUEUE_URL,
});

export const handler = async (
  _event: EventBridgeEvent<'Scheduled Event', unknown>,
  context?: Context,
): Promise<DispatchReport> =>
  withMetrics(async () => {
    const report = await dispatchDueFeeds({ feeds, queue, clock: { now: () => new Date() } });
    addCounts({
      FeedsDue: report.due,
      FeedsQueued: report.sent,
      FeedsNotQueued: report.failed.length,
    });
    if (report.failed.length > 0) {
      logger.error('some due feeds could not be queued', { ...report });
      throw new FeedDispatchIncompleteError(report);
    }
    logger.info('due feeds dispatched', { due: report.due, sent: report.sent });
    return report;
  }, context);
