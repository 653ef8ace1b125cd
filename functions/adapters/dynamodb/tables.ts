/**
 * The DynamoDB tables: names of keys and indexes, and the schemas the local runner and the tests
 * create on dynalite. The CDK stack declares the same keys (tests/infra asserts they agree).
 * docs/data-model.md explains every access pattern.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

export interface TableNames {
  feeds: string;
  articles: string;
  topics: string;
  matches: string;
  subscriptions: string;
  deliveries: string;
  stories: string;
}

/** Feeds are spread over this many due-time shards so no one GSI partition runs hot. */
export const FEED_DUE_SHARDS = 4;
export const FEED_DUE_INDEX = 'due';
/**
 * Articles by the UTC day they were first seen, newest first: what a draft topic's preview runs
 * over (`POST /api/topics/preview`), without a Scan. It holds only what matching reads.
 */
export const ARTICLE_DAY_INDEX = 'byDay';
export const ARTICLE_DAY_INDEX_ATTRIBUTES = [
  'feedId',
  'source',
  'title',
  'summary',
  'link',
  'language',
  'published',
] as const;
/** TTL attribute on articles and matches (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';
/** The partition of the topics table that holds the tracked topics. */
export const TOPIC_SCOPE = 'tracked';
/** The partition of the topics table that holds the alias groups topics share. */
export const ALIAS_SCOPE = 'alias';

export const tableKeys = {
  feeds: { partitionKey: 'feedId' },
  articles: { partitionKey: 'articleKey' },
  topics: { partitionKey: 'scope', sortKey: 'topicId' },
  matches: { partitionKey: 'articleKey', sortKey: 'topicId' },
  subscriptions: { partitionKey: 'pk', sortKey: 'sk' },
  deliveries: { partitionKey: 'audienceId', sortKey: 'sk' },
  stories: { partitionKey: 'pk', sortKey: 'sk' },
  feedDueIndex: { partitionKey: 'dueShard', sortKey: 'nextPollAt' },
  articleDayIndex: { partitionKey: 'day', sortKey: 'firstSeen' },
} as const;

/** CreateTable inputs for local runs and tests (on-demand, like the deployed tables). */
export function tableSchemas(names: TableNames): CreateTableCommandInput[] {
  const s = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
  const hash = (name: string) => ({ AttributeName: name, KeyType: 'HASH' as const });
  const range = (name: string) => ({ AttributeName: name, KeyType: 'RANGE' as const });
  return [
    {
      TableName: names.feeds,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [s('feedId'), s('dueShard'), s('nextPollAt')],
      KeySchema: [hash('feedId')],
      GlobalSecondaryIndexes: [
        {
          IndexName: FEED_DUE_INDEX,
          KeySchema: [hash('dueShard'), range('nextPollAt')],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    },
    {
      TableName: names.articles,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [s('articleKey'), s('day'), s('firstSeen')],
      KeySchema: [hash('articleKey')],
      GlobalSecondaryIndexes: [
        {
          IndexName: ARTICLE_DAY_INDEX,
          KeySchema: [hash('day'), range('firstSeen')],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: [...ARTICLE_DAY_INDEX_ATTRIBUTES],
          },
        },
      ],
    },
    {
      TableName: names.topics,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [s('scope'), s('topicId')],
      KeySchema: [hash('scope'), range('topicId')],
    },
    {
      TableName: names.matches,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [s('articleKey'), s('topicId')],
      KeySchema: [hash('articleKey'), range('topicId')],
    },
    {
      TableName: names.subscriptions,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [s('pk'), s('sk')],
      KeySchema: [hash('pk'), range('sk')],
    },
    {
      TableName: names.stories,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [s('pk'), s('sk')],
      KeySchema: [hash('pk'), range('sk')],
    },
    {
      TableName: names.deliveries,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [s('audienceId'), s('sk')],
      KeySchema: [hash('audienceId'), range('sk')],
    },
  ];
}
