/**
 * One poll cycle: every due feed through `pollFeed`, a few at a time. A feed's failure is its
 * own: it is counted and reported, and the others go on.
 */
import pLimit from 'p-limit';
import { type CycleReport, POLL_COUNT_NAMES } from '../ports';
import { type FeedOutcome, type PollDependencies, pollFeed } from './poll-feed';

export interface CycleOptions {
  /** Feeds fetched at once. */
  concurrency: number;
  /** Called as each feed finishes, for progress output. */
  onFeedDone?: (event: {
    url: string;
    name: string;
    outcome: FeedOutcome;
    done: number;
    total: number;
  }) => void;
}

export async function runPollCycle(
  deps: PollDependencies,
  options: CycleOptions,
): Promise<CycleReport> {
  const report: CycleReport = {
    feedsPolled: 0,
    feedsUnchanged: 0,
    feedsFailed: 0,
    ...(Object.fromEntries(POLL_COUNT_NAMES.map((name) => [name, 0])) as Record<
      (typeof POLL_COUNT_NAMES)[number],
      number
    >),
    failures: [],
  };
  const due = await deps.feeds.listDueFeeds(deps.clock.now());
  const limit = pLimit(Math.max(1, options.concurrency));
  let done = 0;
  await Promise.all(
    due.map((feed) =>
      limit(async () => {
        const outcome = await pollFeed(feed, deps);
        report.feedsPolled++;
        if (outcome.status === 'unchanged') report.feedsUnchanged++;
        else if (outcome.status === 'failed') {
          report.feedsFailed++;
          report.failures.push({ feedId: feed.id, url: feed.url, reason: outcome.reason });
        } else {
          for (const name of POLL_COUNT_NAMES) report[name] += outcome[name];
        }
        done++;
        options.onFeedDone?.({ url: feed.url, name: feed.name, outcome, done, total: due.length });
      }),
    ),
  );
  return report;
}
