/**
 * The ports the core shares: the clock, and what the poll cycle needs (the feed fetcher, the
 * topic matcher, the feed, article, topic and match stores, and the cycle's report). Adapters
 * (DynamoDB, HTTP) implement them; handlers and the local runner compose them once at start-up.
 * Delivery's ports (the ledger, the audience publisher) live in `delivery/ports.ts`.
 */
import type { Article, Feed, FeedConfig, FeedPollState, Topic, TopicMatch } from './model';

export interface Clock {
  now(): Date;
}

export interface FetchRequest {
  url: string;
  etag?: string;
  lastModified?: string;
}

/** The caching headers of a successful answer, as sent: `poll-schedule` reads them. */
export interface CacheHeaders {
  cacheControl?: string;
  expires?: string;
  date?: string;
  age?: string;
}

export type FetchResult =
  | { kind: 'not-modified'; cache?: CacheHeaders }
  | {
      kind: 'fetched';
      cache?: CacheHeaders;
      /** The decompressed body, at most the configured byte cap. */
      body: Uint8Array;
      /** The Content-Type header as sent, for the charset. */
      contentType?: string;
      etag?: string;
      lastModified?: string;
      /** URL after redirects. */
      finalUrl: string;
    };

/** Fetches one feed. Throws `FeedFetchError` (see feeds/errors) with a code on any failure. */
export interface FeedFetcher {
  fetch(request: FetchRequest): Promise<FetchResult>;
}

export interface FeedStore {
  /** Feeds whose `nextPollAt` is at or before `now`: a Query per due-shard, never a Scan. */
  listDueFeeds(now: Date): Promise<Feed[]>;
  /** One feed by id (GetItem), or undefined when it is not stored (any more). */
  getFeed(feedId: string): Promise<Feed | undefined>;
  /** Adds feeds that are not stored yet (conditional puts); returns how many were added. */
  addFeeds(feeds: readonly FeedConfig[], now: Date): Promise<number>;
  /** Replaces the poll state of one feed. */
  savePollState(feedId: string, state: FeedPollState): Promise<void>;
}

export interface ArticleStore {
  /** Which of these article keys are stored already (BatchGetItem, 100 keys a call). */
  findExisting(keys: readonly string[]): Promise<Set<string>>;
  /** Stores articles that are not stored yet (conditional put); returns the keys written. */
  addArticles(articles: readonly StoredArticle[]): Promise<string[]>;
}

/** An article with its storage key. */
export interface StoredArticle extends Article {
  key: string;
}

export interface TopicStore {
  listTopics(): Promise<Topic[]>;
  /** Adds topics that are not stored yet; returns how many were added. */
  addTopics(topics: readonly Topic[]): Promise<number>;
  /** The named alias groups topics share (`@russia` → its query), by name. */
  listAliases(): Promise<Record<string, string>>;
  /** Adds aliases that are not stored yet; returns how many were added. */
  addAliases(aliases: Readonly<Record<string, string>>): Promise<number>;
}

/** Match records: one per (article, topic), the ledger that keeps alerts from being sent twice. */
export interface MatchStore {
  /**
   * Records the matches of an article as pending, unless recorded before. Returns the matches
   * that still need an alert: newly recorded ones and ones left pending by an earlier crash.
   */
  recordPending(
    articleKey: string,
    matches: readonly TopicMatch[],
    now: Date,
  ): Promise<TopicMatch[]>;
  /** Marks matches as alerted. */
  markAlerted(
    articleKey: string,
    topicIds: readonly string[],
    alertId: string,
    now: Date,
  ): Promise<void>;
}

/** Compiled topics: matches one article's text against every tracked topic. */
export interface TopicMatcher {
  match(text: { title: string; summary: string; language: Article['language'] }): TopicMatch[];
}

/** What a poll found and sent: per feed, and summed over a cycle. */
export interface PollCounts {
  newArticles: number;
  matches: number;
  /** New stories (developments) alerted. */
  alerts: number;
  /** Matched articles folded into an existing story: no alert. */
  copies: number;
  /** Messages sent to audiences, and stories queued for digests. */
  deliveries: number;
  queued: number;
  /** Stories whose delivery failed this time; retried next cycle. */
  alertFailures: number;
  /** Deliveries parked as dead letters (with their reasons) after repeated failures. */
  deadLetters: number;
}

export const POLL_COUNT_NAMES = [
  'newArticles',
  'matches',
  'alerts',
  'copies',
  'deliveries',
  'queued',
  'alertFailures',
  'deadLetters',
] as const satisfies readonly (keyof PollCounts)[];

/** Progress of one poll cycle, printed locally and logged as metrics in AWS. */
export interface CycleReport extends PollCounts {
  feedsPolled: number;
  feedsUnchanged: number;
  feedsFailed: number;
  failures: { feedId: string; url: string; reason: string }[];
}
