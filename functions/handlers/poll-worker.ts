/**
 * The poll worker (SQS → Lambda): each record of the batch names one due feed (sent by
 * dispatch.ts); the worker loads it and runs it through `pollFeed`, every record independently and
 * at once, so a slow or broken feed never holds up the others. Partial batch response: only the
 * records worth another try are reported, and SQS delivers just those again (then to the DLQ).
 *
 * - a body that is not a due-feed message: logged and dropped (it would fail the same way again);
 * - a feed that is no longer stored, or was polled since it was dispatched: dropped;
 * - an error before the feed could be polled (reading it from DynamoDB): retried;
 * - a feed whose poll failed: not retried here. `pollFeed` has recorded the failure and the
 *   feed's back-off in its poll state, and the dispatcher sends it again when that is over; an SQS
 *   retry minutes later would only defeat the back-off.
 */
import type {
  Context,
  SQSBatchItemFailure,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { type FeedOutcome, type PollDependencies, pollFeed } from '../core/pipeline/poll-feed';
import * as z from '../core/zod';
import { loadPollDependencies } from './shared/compose';
import { addCounts, logger, withMetrics } from './shared/observability';
import type { PollWorkerMetric } from './shared/telemetry-names';

const dueFeedMessage = z.object({
  feedId: z.string().check(z.minLength(1)),
  dueAt: z.iso.datetime({ offset: true }),
});

/** What became of one record: its feed's poll outcome, or why it was not polled. */
type RecordResult = FeedOutcome | { status: 'skipped'; reason: 'invalid' | 'gone' | 'stale' };

/** Polls the feed one record names. Throws only for failures worth a retry. */
async function pollRecord(record: SQSRecord, deps: PollDependencies): Promise<RecordResult> {
  const message = dueFeedMessage.safeParse(parseJson(record.body));
  if (!message.success) {
    log('dropped an invalid message', record, { issues: z.prettifyError(message.error) });
    return { status: 'skipped', reason: 'invalid' };
  }
  const { feedId, dueAt } = message.data;
  const feed = await deps.feeds.getFeed(feedId);
  if (!feed) {
    log('dropped a feed that is no longer stored', record, { feedId });
    return { status: 'skipped', reason: 'gone' };
  }
  // A duplicate delivery, or a message that waited past the next tick's: its poll is done.
  if (Date.parse(feed.nextPollAt) > Date.parse(dueAt)) {
    log('skipped a feed polled since it was dispatched', record, { feedId, dueAt });
    return { status: 'skipped', reason: 'stale' };
  }
  const outcome = await pollFeed(feed, deps);
  log('feed polled', record, { feedId, url: feed.url, ...outcome });
  return outcome;
}

export const handler = async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
  withMetrics(async () => {
    const deps = await loadPollDependencies();
    const results = await Promise.allSettled(
      event.Records.map((record) => pollRecord(record, deps)),
    );
    const batchItemFailures: SQSBatchItemFailure[] = [];
    const settled: RecordResult[] = [];
    results.forEach((result, index) => {
      const record = event.Records[index];
      if (result.status === 'fulfilled') settled.push(result.value);
      else if (record) {
        logger.warn('will retry a record', { messageId: record.messageId, error: result.reason });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    });
    addCounts(countOutcomes(settled));
    return { batchItemFailures };
  }, context);

/** The batch's counts, one metric each: the feeds polled and what their polls found. */
function countOutcomes(results: readonly RecordResult[]): Record<PollWorkerMetric, number> {
  const counts: Record<PollWorkerMetric, number> = {
    FeedsPolled: 0,
    FeedsUnchanged: 0,
    FeedsFailed: 0,
    NewArticles: 0,
    Matches: 0,
    Stories: 0,
    Copies: 0,
    Deliveries: 0,
    QueuedForDigest: 0,
    AlertFailures: 0,
    DeadLetters: 0,
  };
  for (const result of results) {
    if (result.status === 'skipped') continue;
    counts.FeedsPolled++;
    if (result.status === 'unchanged') counts.FeedsUnchanged++;
    else if (result.status === 'failed') counts.FeedsFailed++;
    else {
      counts.NewArticles += result.newArticles;
      counts.Matches += result.matches;
      counts.Stories += result.alerts;
      counts.Copies += result.copies;
      counts.Deliveries += result.deliveries;
      counts.QueuedForDigest += result.queued;
      counts.AlertFailures += result.alertFailures;
      counts.DeadLetters += result.deadLetters;
    }
  }
  return counts;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function log(message: string, record: SQSRecord, details: Record<string, unknown>): void {
  logger.info(message, { messageId: record.messageId, ...details });
}
