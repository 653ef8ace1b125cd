/** The DynamoDB stores over one document client: how handlers and the local runner get them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoArticleStore } from './article-store';
import { DynamoDeliveryLedger } from './delivery-ledger';
import { DynamoFeedStore } from './feed-store';
import { DynamoMatchStore } from './match-store';
import { DynamoStoryIndex } from './story-index';
import { DynamoStoryStore } from './story-store';
import { DynamoSubscriptionStore } from './subscription-store';
import type { TableNames } from './tables';
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
  };
}
