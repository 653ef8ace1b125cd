/**
 * The deploy-time seed (a CDK trigger runs it after each deploy that changes it): adds the
 * configured feeds, the topic pack and its aliases where they are missing, and subscribes the
 * default subscriptions. Conditional puts throughout: a redeploy keeps every feed's poll state
 * and every topic edited since, and a subscription already in place sends no second confirmation.
 *
 * The feeds and subscriptions come from `seed.json`, which the stack writes from the validated
 * deployment config and copies next to this bundle (SEED_FILE overrides the path, for tests).
 * Seeding here, once per deploy, keeps the feed list and the 80 KB topic pack out of the
 * functions that run on every tick, and costs no conditional puts on their cold starts.
 */
import { readFileSync } from 'node:fs';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { createDynamoClients } from '../adapters/dynamodb/client';
import { DynamoFeedStore } from '../adapters/dynamodb/feed-store';
import { DynamoSubscriptionStore } from '../adapters/dynamodb/subscription-store';
import { DynamoTopicStore } from '../adapters/dynamodb/topic-store';
import {
  AUDIENCE_TOPIC_KMS_KEY,
  SnsSubscriptionChannel,
} from '../adapters/sns-subscription-channel';
import { parseFeedList } from '../core/feeds/feed-list';
import { loadDefaultTopicPack } from '../core/matching/topic-pack';
import { seedDefaults, seedSubscriptions } from '../core/pipeline/seed-defaults';
import * as z from '../core/zod';
import { tableName } from './shared/env-schema';
import { logger } from './shared/observability';

const config = z
  .object({
    FEEDS_TABLE: tableName(),
    TOPICS_TABLE: tableName(),
    SUBSCRIPTIONS_TABLE: tableName(),
    AUDIENCE_TOPIC_PREFIX: z.string().check(z.minLength(1), z.maxLength(200)),
    SEED_FILE: z.optional(z.string().check(z.minLength(1))),
  })
  .parse(process.env);

/** What the stack writes into seed.json (lib/news-alerts-stateless-stack.ts). */
export const seedFileSchema = z.object({
  feeds: z.array(z.unknown()),
  subscriptions: z.array(
    z.object({
      endpoint: z.string(),
      topics: z.array(z.string()),
      mode: z.optional(z.string()),
    }),
  ),
});
export type SeedFile = z.infer<typeof seedFileSchema>;

export interface SeedReport {
  feedsAdded: number;
  topicsAdded: number;
  aliasesAdded: number;
  subscribed: number;
  subscriptionsUnchanged: number;
}

const dynamo = createDynamoClients();
const feeds = new DynamoFeedStore(dynamo.document, config.FEEDS_TABLE);
const topics = new DynamoTopicStore(dynamo.document, config.TOPICS_TABLE);
const subscriptions = new DynamoSubscriptionStore(dynamo.document, config.SUBSCRIPTIONS_TABLE);
const channel = new SnsSubscriptionChannel({
  client: new SNSClient({}),
  topicNamePrefix: config.AUDIENCE_TOPIC_PREFIX,
  kmsMasterKeyId: AUDIENCE_TOPIC_KMS_KEY,
});

function readSeedFile(): SeedFile {
  const file = config.SEED_FILE ?? new URL('./seed.json', import.meta.url);
  return seedFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

export const handler = async (_event?: unknown, context?: Context): Promise<SeedReport> => {
  if (context) logger.addContext(context);
  const seed = readSeedFile();
  const pack = loadDefaultTopicPack();
  const now = new Date();
  const added = await seedDefaults(
    { feeds, topics },
    { feeds: parseFeedList(seed.feeds), topics: pack.topics, aliases: pack.aliases },
    now,
  );
  const topicIds = new Set((await topics.listTopics()).map((topic) => topic.id));
  const subscribed = await seedSubscriptions(seed.subscriptions, {
    store: subscriptions,
    channel,
    clock: { now: () => now },
    topicIds,
  });
  const report: SeedReport = {
    ...added,
    subscribed: subscribed.subscribed,
    subscriptionsUnchanged: subscribed.unchanged,
  };
  logger.info('deployment seeded', { ...report });
  return report;
};
