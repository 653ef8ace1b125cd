/**
 * One feed through the whole pipeline: fetch (conditional GET) → decode → parse → normalise →
 * skip known items → match → record matches → alert → commit articles → save poll state.
 *
 * The order is what makes a re-run after a crash safe. Matches are recorded `pending` before the
 * alert is published and an article is stored only after its alerts went out; the feed's
 * validators (ETag, Last-Modified) are saved last. A crash anywhere leaves the article "new" and
 * the feed unvalidated, so the next cycle fetches it again, finds the pending matches and
 * publishes exactly those. Nothing new found means nothing written.
 */

import { type AlertContent, SNIPPET_MAX_LENGTH, truncateOnWord } from '../alerts/alert-message';
import { dayOf, type TopicActivityStore } from '../dashboard/topic-activity';
import { type DeliverySettings, deliverStory } from '../delivery/deliver-story';
import type { AudiencePublisher, DeliveryLedger } from '../delivery/ports';
import { decodeFeedBody } from '../feeds/decode-body';
import { describeFeedError, FeedFetchError } from '../feeds/errors';
import { canonicalLink, normaliseItem } from '../feeds/normalise-item';
import { parseFeed } from '../feeds/parse-feed';
import {
  httpHintMs,
  learnInterval,
  nextPollAfter,
  quietPollRewrite,
  type ScheduleSettings,
} from '../feeds/poll-schedule';
import { articleKeyFor } from '../ids';
import type { Feed, FeedPollState, TopicMatch } from '../model';
import type {
  ArticleStore,
  Clock,
  FeedFetcher,
  FeedStore,
  MatchStore,
  PollCounts,
  StoredArticle,
  TopicMatcher,
} from '../ports';
import type { Audience } from '../subscriptions/subscription';
import type { StoryFolder, StoryStore } from './story-folder';

export interface PollSettings {
  /** The schedule's interval (tick): the base of the error back-off. */
  pollIntervalMs: number;
  /** Longest wait after repeated errors. */
  maxBackoffMs: number;
  /** Shortest learnt interval between polls of one feed; default: the tick. */
  minIntervalMs?: number;
  /** Longest interval between polls of one feed, server hints included; default: 24 h. */
  maxIntervalMs?: number;
}

const DEFAULT_MAX_INTERVAL_MS = 24 * 3_600_000;

function scheduleSettings(settings: PollSettings): ScheduleSettings {
  const minIntervalMs = settings.minIntervalMs ?? settings.pollIntervalMs;
  return {
    pollIntervalMs: settings.pollIntervalMs,
    minIntervalMs,
    maxIntervalMs: Math.max(minIntervalMs, settings.maxIntervalMs ?? DEFAULT_MAX_INTERVAL_MS),
  };
}

export interface PollDependencies {
  feeds: FeedStore;
  articles: ArticleStore;
  matches: MatchStore;
  fetcher: FeedFetcher;
  matcher: TopicMatcher;
  stories: { folder: StoryFolder; store: StoryStore };
  /** The dashboards' per-topic counts and story lists, kept up to date here. */
  activity: TopicActivityStore;
  delivery: {
    ledger: DeliveryLedger;
    publisher: AudiencePublisher;
    /** The audiences, read once per cycle. */
    audiences: readonly Audience[];
    settings: DeliverySettings;
  };
  /** Topic names by id, for messages. */
  topicNames: Readonly<Record<string, string>>;
  clock: Clock;
  settings: PollSettings;
}

export type FeedOutcome =
  | { status: 'unchanged' }
  | ({ status: 'updated'; items: number } & PollCounts)
  | { status: 'failed'; reason: string };

export async function pollFeed(feed: Feed, deps: PollDependencies): Promise<FeedOutcome> {
  const startedAt = deps.clock.now();
  try {
    return await fetchAndProcess(feed, deps, startedAt);
  } catch (error) {
    const reason = describeFeedError(error);
    await recordFailure(feed, deps, startedAt, reason, error);
    return { status: 'failed', reason };
  }
}

async function fetchAndProcess(
  feed: Feed,
  deps: PollDependencies,
  now: Date,
): Promise<FeedOutcome> {
  const fetched = await deps.fetcher.fetch({
    url: feed.url,
    etag: feed.etag,
    lastModified: feed.lastModified,
  });
  if (fetched.kind === 'not-modified') {
    // A feed that was failing and answers again is news worth one write, and so is a silence
    // that doubles its interval (see poll-schedule); otherwise none.
    if (feed.consecutiveErrors > 0 || quietPollRewrite(feed, now, scheduleSettings(deps.settings)))
      await saveSuccess(feed, deps, now, feed, {
        newItems: 0,
        hintMs: httpHintMs(fetched.cache ?? {}, now),
      });
    return { status: 'unchanged' };
  }

  const parsed = await parseFeed(decodeFeedBody(fetched.body, fetched.contentType));
  const candidates = new Map<string, StoredArticle>();
  for (const raw of parsed.items) {
    const article = normaliseItem(raw, feed, now);
    const key = articleKeyFor(feed.id, article.id);
    // One feed listing the same item twice yields one article.
    if (!candidates.has(key)) candidates.set(key, { ...article, key });
  }
  const known = await deps.articles.findExisting([...candidates.keys()]);
  const fresh = [...candidates.values()].filter((article) => !known.has(article.key));

  let matchCount = 0;
  let stories = 0;
  let copies = 0;
  let deliveries = 0;
  let queued = 0;
  let deadLetters = 0;
  const unsent = new Set<string>();
  let failedAlerts = 0;
  for (const article of fresh) {
    const matches = deps.matcher.match(article);
    if (matches.length === 0) continue;
    matchCount += matches.length;
    const pending = await deps.matches.recordPending(article.key, matches, now);
    if (pending.length === 0) continue;
    const topicIds = pending.map((match) => match.topicId);
    const story = await deps.stories.folder.fold(article, topicIds, now);
    if (story.isNew) {
      const content = storyContent(article, pending, story.storyId, deps.topicNames);
      await deps.stories.store.save({
        ...content,
        firstSeen: article.firstSeen,
        outlets: [article.source],
        articles: 1,
      });
      const outcome = await deliverStory(content, deps.delivery.audiences, deps.delivery, now);
      deliveries += outcome.sent;
      queued += outcome.queued;
      deadLetters += outcome.parked.length;
      if (outcome.failed.length > 0 || outcome.deferred) {
        // Claimed but not sent, or held by a run polling this feed at the same time: the article
        // stays new, and the next cycle sends exactly these (or finds them sent).
        unsent.add(article.key);
        if (outcome.failed.length > 0) failedAlerts += 1;
        continue;
      }
      stories += 1;
    } else {
      await deps.stories.store.addCopy(
        story.storyId,
        { outlet: article.source, language: article.language },
        now,
      );
      copies += 1;
    }
    await deps.matches.markAlerted(article.key, topicIds, story.storyId, now);
    // After the alert is marked: a crash just before this loses one count rather than counting
    // an article twice on the re-run.
    // Counted on the day it was first seen: within a poll interval of publication, except for
    // a feed's first import, which counts on the import day (the demo's timelines rely on that).
    await deps.activity.record(
      dayOf(article.firstSeen),
      pending,
      story.isNew ? { storyId: story.storyId, firstSeen: article.firstSeen } : undefined,
    );
  }

  // Articles whose alert did not go out stay "new", so the next cycle publishes it again.
  const committed = fresh.filter((article) => !unsent.has(article.key));
  if (committed.length > 0) await deps.articles.addArticles(committed);

  const validatorsChanged =
    fetched.etag !== feed.etag || fetched.lastModified !== feed.lastModified;
  const slowsDown =
    committed.length === 0 && quietPollRewrite(feed, now, scheduleSettings(deps.settings));
  if (
    unsent.size === 0 &&
    (committed.length > 0 || validatorsChanged || feed.consecutiveErrors || slowsDown)
  ) {
    const hints = [httpHintMs(fetched.cache ?? {}, now), parsed.refreshHintMs];
    const hintMs = Math.max(0, ...hints.filter((hint) => hint !== undefined));
    await saveSuccess(feed, deps, now, fetched, { newItems: committed.length, hintMs });
  }
  return {
    status: 'updated',
    items: candidates.size,
    newArticles: committed.length,
    matches: matchCount,
    alerts: stories,
    copies,
    deliveries,
    queued,
    alertFailures: failedAlerts,
    deadLetters,
  };
}

/** What an alert shows of a story: its first article, the topics it matched and why. */
function storyContent(
  article: StoredArticle,
  matches: readonly TopicMatch[],
  storyId: string,
  topicNames: Readonly<Record<string, string>>,
): AlertContent {
  return {
    storyId,
    headline: article.title,
    outlet: article.source,
    published: article.published,
    topics: matches.map((match) => ({
      id: match.topicId,
      name: topicNames[match.topicId] ?? match.topicId,
    })),
    terms: [...new Set(matches.flatMap((match) => match.terms))],
    snippet: truncateOnWord(article.summary, SNIPPET_MAX_LENGTH),
    // Tracking parameters only cost SMS characters: the alert links to the canonical page.
    link: canonicalLink(article.link) || article.link,
    language: article.language,
  };
}

/**
 * Saves a successful poll: validators, errors cleared, and the schedule learnt from this poll
 * (`newItems` found, the server's `hintMs`). After errors this returns to the learnt interval.
 */
async function saveSuccess(
  feed: Feed,
  deps: PollDependencies,
  now: Date,
  validators: { etag?: string; lastModified?: string },
  observed: { newItems: number; hintMs: number | undefined },
): Promise<void> {
  const schedule = scheduleSettings(deps.settings);
  // A silence that spans errors was not observed: recovery keeps what was learnt before.
  const learnedIntervalMs =
    feed.consecutiveErrors > 0 && observed.newItems === 0
      ? learnInterval({ learnedIntervalMs: feed.learnedIntervalMs }, { now, newItems: 0 }, schedule)
      : learnInterval(feed, { now, newItems: observed.newItems }, schedule);
  const next = nextPollAfter(now, learnedIntervalMs, observed.hintMs, schedule);
  const state: FeedPollState = {
    etag: validators.etag,
    lastModified: validators.lastModified,
    lastSuccessAt: now.toISOString(),
    consecutiveErrors: 0,
    nextPollAt: next.nextPollAt.toISOString(),
    intervalMs: next.intervalMs,
    dueWindowMs: next.dueWindowMs,
    learnedIntervalMs,
    // Silence is counted from the last news, or from the first poll of a feed that had none.
    lastNewItemsAt:
      observed.newItems > 0 ? now.toISOString() : (feed.lastNewItemsAt ?? now.toISOString()),
  };
  await deps.feeds.savePollState(feed.id, state);
}

async function recordFailure(
  feed: Feed,
  deps: PollDependencies,
  now: Date,
  reason: string,
  error: unknown,
): Promise<void> {
  const consecutiveErrors = feed.consecutiveErrors + 1;
  const state: FeedPollState = {
    etag: feed.etag,
    lastModified: feed.lastModified,
    lastSuccessAt: feed.lastSuccessAt,
    consecutiveErrors,
    lastError: reason.slice(0, 500),
    nextPollAt: new Date(
      now.getTime() + backoffAfter(consecutiveErrors, error, deps),
    ).toISOString(),
    // No due windows while failing: due at every tick after the back-off. What was learnt stays
    // for the success that ends the errors.
    learnedIntervalMs: feed.learnedIntervalMs,
    lastNewItemsAt: feed.lastNewItemsAt,
  };
  try {
    await deps.feeds.savePollState(feed.id, state);
  } catch {
    // The failure is reported in the cycle summary either way; the next cycle polls it again.
  }
}

/** Exponential back-off from the poll interval, or the server's Retry-After when it is longer. */
export function backoffAfter(errors: number, error: unknown, deps: PollDependencies): number {
  const { pollIntervalMs, maxBackoffMs } = deps.settings;
  // The first failure waits for the next tick as usual; each further one doubles the wait.
  const exponential = errors <= 1 ? 0 : pollIntervalMs * 2 ** (errors - 2);
  const retryAfterMs = retryAfterToMs(error, deps.clock.now());
  return Math.min(Math.max(exponential, retryAfterMs), maxBackoffMs);
}

function retryAfterToMs(error: unknown, now: Date): number {
  if (!(error instanceof FeedFetchError) || !error.retryAfter) return 0;
  const seconds = Number(error.retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(error.retryAfter);
  return Number.isNaN(date) ? 0 : Math.max(0, date - now.getTime());
}
