/**
 * The domain's data shapes, shared by every stage of the pipeline. Plain data only: no behaviour,
 * no SDK types, so the same values move through Lambda handlers, the local runner and the tests.
 */

export type Language = 'en' | 'ru' | 'fa';

/** A feed we poll, as configured (feed list file) and as stored with its poll state. */
export interface FeedConfig {
  /** Stable id derived from the URL (see `feedIdFor`). */
  id: string;
  url: string;
  /** Outlet name shown in alerts, e.g. "TASS". */
  name: string;
  /** Language of the feed's items when they do not say otherwise. */
  language: Language;
}

export interface FeedPollState {
  etag?: string;
  lastModified?: string;
  /** ISO time of the last poll that returned 200 or 304. */
  lastSuccessAt?: string;
  consecutiveErrors: number;
  lastError?: string;
  /** ISO time at which the feed is due again (the first of its due windows). */
  nextPollAt: string;
  /** Spacing of the due windows after `nextPollAt` (ms); see core/feeds/poll-schedule. */
  intervalMs?: number;
  /** Width of each due window: one schedule tick (ms). Absent: due from `nextPollAt` on. */
  dueWindowMs?: number;
  /** Learnt gap between new items (ms). */
  learnedIntervalMs?: number;
  /** ISO time of the last poll that found new items. */
  lastNewItemsAt?: string;
}

export interface Feed extends FeedConfig, FeedPollState {}

/** An item of a feed after normalisation: plain text, stable id, trusted time. */
export interface Article {
  /** Stable id: GUID, else canonical link, else a content hash; never the date. */
  id: string;
  feedId: string;
  /** Outlet name, copied from the feed. */
  source: string;
  title: string;
  summary: string;
  /** http(s) link, or empty when the item had none we could trust. */
  link: string;
  /** ISO time: the item's own date, or first-seen time when missing or absurd. */
  published: string;
  /** ISO time at which this pipeline first saw the item. */
  firstSeen: string;
  language: Language;
}

/** A tracked topic as stored in DynamoDB and written in the topic pack. */
export interface Topic {
  id: string;
  name: string;
  description: string;
  /** Query in the topic query language (see docs/queries.md). */
  query: string;
}

/** Why an article matched a topic: the topic and the query terms found in the text. */
export interface TopicMatch {
  topicId: string;
  terms: string[];
}
