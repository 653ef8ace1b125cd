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
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type PollDependencies, pollFeed } from '../core/pipeline/poll-feed';
import * as z from '../core/zod';
import { loadPollDependencies } from './shared/compose';

const dueFeedMessage = z.object({
  feedId: z.string().check(z.minLength(1)),
  dueAt: z.iso.datetime({ offset: true }),
});

type RecordResult = 'polled' | 'invalid' | 'gone' | 'stale';

/** Polls the feed one record names. Throws only for failures worth a retry. */
async function pollRecord(record: SQSRecord, deps: PollDependencies): Promise<RecordResult> {
  const message = dueFeedMessage.safeParse(parseJson(record.body));
  if (!message.success) {
    log('dropped an invalid message', record, { issues: z.prettifyError(message.error) });
    return 'invalid';
  }
  const { feedId, dueAt } = message.data;
  const feed = await deps.feeds.getFeed(feedId);
  if (!feed) {
    log('dropped a feed that is no longer stored', record, { feedId });
    return 'gone';
  }
  // A duplicate delivery, or a message that waited past the next tick's: its poll is done.
  if (Date.parse(feed.nextPollAt) > Date.parse(dueAt)) {
    log('skipped a feed polled since it was dispatched', record, { feedId, dueAt });
    return 'stale';
  }
  const outcome = await pollFeed(feed, deps);
  log('feed polled', record, { feedId, url: feed.url, ...outcome });
  return 'polled';
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const deps = await loadPollDependencies();
  const results = await Promise.allSettled(event.Records.map((record) => pollRecord(record, deps)));
  const batchItemFailures: SQSBatchItemFailure[] = [];
  results.forEach((result, index) => {
    const record = event.Records[index];
    if (result.status === 'fulfilled' || !record) return;
    log('will retry a record', record, { error: describe(result.reason) });
    batchItemFailures.push({ itemIdentifier: record.messageId });
  });
  return { batchItemFailures };
};

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function log(message: string, record: SQSRecord, details: Record<string, unknown>): void {
  console.log(JSON.stringify({ message, messageId: record.messageId, ...details }));
}
