/** The DynamoDB stores over one document client: how handlers and the local runner get them. */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DashboardDependencies } from '../../core/api/dashboard-api';
import type { Clock } from '../../core/ports';
import type { SubscriptionChannel } from '../../core/subscriptions/subscribe';
import { DynamoArticleStore } from './article-store';
import { DynamoDeliveryLedger } from './delivery-ledger';
import { DynamoFeedStore } from './feed-store';
import { DynamoMatchStore } from './match-store';
import { DynamoStoryIndex } from './story-index';
import { DynamoStoryStore } from './story-store';
import { DynamoSubscriptionStore } from './subscription-store';
import type { TableNames } from './tables';
import { DynamoTopicActivityStore } from './topic-activity-store';
import { DynamoTopicStore } from './topic-store';

export interface DynamoStores {
  feeds: DynamoFeedStore;
  articles: DynamoArticleStore;
  topics: DynamoTopicStore;
  matches: DynamoMatchStore;
  subscriptions: DynamoSubscriptionStore;
  deliveries: DynamoDeliveryLedger;
  stories: DynamoStoryStore;
  storyIndex: DynamoStoryIndex;
  /** The dashboards' per-topic counters and story lists, in the stories table. */
  activity: DynamoTopicActivityStore;
}

/**
 * Articles are the tombstones that keep an item that leaves a feed and comes back (or is re-sent
 * months later) from alerting again, so they are kept this long; the rest (matches, stories,
 * deliveries) for `retentionDays`.
 */
export const ARTICLE_TOMBSTONE_DAYS = 180;

export function createDynamoStores(
  document: DynamoDBDocumentClient,
  names: TableNames,
  retentionDays: number,
): DynamoStores {
  return {
    feeds: new DynamoFeedStore(document, names.feeds),
    articles: new DynamoArticleStore(document, names.articles, {
      retentionDays: Math.max(retentionDays, ARTICLE_TOMBSTONE_DAYS),
    }),
    topics: new DynamoTopicStore(document, names.topics),
    matches: new DynamoMatchStore(document, names.matches, { retentionDays }),
    subscriptions: new DynamoSubscriptionStore(document, names.subscriptions),
    deliveries: new DynamoDeliveryLedger(document, names.deliveries, { retentionDays }),
    stories: new DynamoStoryStore(document, names.stories, { retentionDays }),
    storyIndex: new DynamoStoryIndex(document, names.stories),
    activity: new DynamoTopicActivityStore(document, names.stories, { retentionDays }),
  };
}

/** What the dashboard API reads and writes, from the stores: the Lambda and the local server. */
export function dashboardDependencies(
  stores: DynamoStores,
  channel: SubscriptionChannel,
  clock: Clock,
): DashboardDependencies {
  return {
    topics: stores.topics,
    activity: stores.activity,
    stories: stores.stories,
    feeds: stores.feeds,
    articles: stores.articles,
    subscriptions: { store: stores.subscriptions, channel },
    clock,
  };
}
