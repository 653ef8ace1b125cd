/**
 * Dispatch: the feeds due now, one message each, onto the feed queue that the poll workers drain.
 * This is what lets polling scale out: the scheduled dispatcher only reads the due index and
 * sends, and each feed is then polled on its own (`pollFeed`), by as many workers as the queue's
 * consumer allows. Every due feed ends up either sent or reported as failed; none is dropped
 * silently.
 */
import type { Clock, FeedStore } from '../ports';

/** What the queue carries for one feed: small, and enough for a worker to find its feed. */
export interface DueFeedMessage {
  feedId: string;
  /** The feed's `nextPollAt` when it was dispatched: a worker skips a feed polled since. */
  dueAt: string;
}

export interface FeedQueueOutcome {
  /** Messages the queue did not accept, after its retries, with the reason. */
  failed: { feedId: string; reason: string }[];
}

/** The queue of feeds to poll. Implementations batch and retry; they never throw per message. */
export interface FeedQueue {
  send(messages: readonly DueFeedMessage[]): Promise<FeedQueueOutcome>;
}

export interface DispatchDependencies {
  feeds: Pick<FeedStore, 'listDueFeeds'>;
  queue: FeedQueue;
  clock: Clock;
}

export interface DispatchReport {
  due: number;
  sent: number;
  failed: { feedId: string; reason: string }[];
}

/** Some due feeds could not be queued; they stay due, so the next tick dispatches them again. */
export class FeedDispatchIncompleteError extends Error {
  override readonly name = 'FeedDispatchIncompleteError';
  constructor(readonly report: DispatchReport) {
    super(
      `${report.failed.length} of ${report.due} due feeds could not be queued: ` +
        `${report.failed[0]?.feedId}: ${report.failed[0]?.reason}`,
    );
  }
}

export async function dispatchDueFeeds(deps: DispatchDependencies): Promise<DispatchReport> {
  const due = await deps.feeds.listDueFeeds(deps.clock.now());
  const messages = due.map((feed) => ({ feedId: feed.id, dueAt: feed.nextPollAt }));
  const { failed } = messages.length > 0 ? await deps.queue.send(messages) : { failed: [] };
  return { due: due.length, sent: due.length - failed.length, failed };
}
