/**
 * The scheduled poll function (EventBridge → Lambda). Reads its configuration once, makes the SDK
 * clients once per container, and runs one poll cycle of the shared core per invocation: the same
 * code the local runner runs, with DynamoDB and SNS adapters.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { EventBridgeEvent } from 'aws-lambda';
import feedList from '../../data/feeds.json' with { type: 'json' };
import { createDynamoClients } from '../adapters/dynamodb/client';
import { createDynamoStores } from '../adapters/dynamodb/stores';
import { HttpFeedFetcher } from '../adapters/http-feed-fetcher';
import { SnsAudiencePublisher } from '../adapters/sns-audience-publisher';
import { SMS_DISPLAY_NAME } from '../adapters/sns-subscription-channel';
import { parseFeedList } from '../core/feeds/feed-list';
import { compileTopics } from '../core/matching/topic-matcher';
import { loadDefaultTopicPack } from '../core/matching/topic-pack';
import { runPollCycle } from '../core/pipeline/run-poll-cycle';
import { seedDefaults } from '../core/pipeline/seed-defaults';
import { FingerprintStoryFolder } from '../core/pipeline/story-folder';
import { TopicMatcherCache } from '../core/pipeline/topic-matcher-cache';
import type { CycleReport } from '../core/ports';
import * as z from '../core/zod';

const tableName = () => z.string().check(z.minLength(1));
const positiveWholeNumber = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

const config = z
  .object({
    FEEDS_TABLE: tableName(),
    ARTICLES_TABLE: tableName(),
    TOPICS_TABLE: tableName(),
    MATCHES_TABLE: tableName(),
    SUBSCRIPTIONS_TABLE: tableName(),
    DELIVERIES_TABLE: tableName(),
    STORIES_TABLE: tableName(),
    SMS_PER_HOUR: positiveWholeNumber(5),
    POLL_INTERVAL_MINUTES: positiveWholeNumber(15),
    RETENTION_DAYS: positiveWholeNumber(30),
    POLL_CONCURRENCY: positiveWholeNumber(16),
  })
  .parse(process.env);

const dynamo = createDynamoClients();
// The publisher retries failed entries itself; SDK retries on top would multiply the attempts.
const sns = new SNSClient({ maxAttempts: 1 });
const stores = createDynamoStores(
  dynamo.document,
  {
    feeds: config.FEEDS_TABLE,
    articles: config.ARTICLES_TABLE,
    topics: config.TOPICS_TABLE,
    matches: config.MATCHES_TABLE,
    subscriptions: config.SUBSCRIPTIONS_TABLE,
    deliveries: config.DELIVERIES_TABLE,
    stories: config.STORIES_TABLE,
  },
  config.RETENTION_DAYS,
);
const pack = loadDefaultTopicPack();
const matchers = new TopicMatcherCache(compileTopics);
const fetcher = new HttpFeedFetcher({ timeoutMs: 20_000 });
const publisher = new SnsAudiencePublisher({ client: sns });
let seeded: Promise<unknown> | undefined;

export const handler = async (
  _event: EventBridgeEvent<'Scheduled Event', unknown>,
): Promise<CycleReport> => {
  // Seeding adds only what is missing; once per container is enough.
  seeded ??= seedDefaults(
    stores,
    { feeds: parseFeedList(feedList), topics: pack.topics, aliases: pack.aliases },
    new Date(),
  ).catch((error: unknown) => {
    seeded = undefined;
    throw error;
  });
  await seeded;
  const { matcher, topics } = await matchers.load(stores.topics);
  const audiences = await stores.subscriptions.listAudiences();
  const report = await runPollCycle(
    {
      ...stores,
      fetcher,
      matcher,
      stories: { folder: new FingerprintStoryFolder(stores.storyIndex), store: stores.stories },
      delivery: {
        ledger: stores.deliveries,
        publisher,
        audiences,
        settings: {
          smsPerHour: config.SMS_PER_HOUR,
          messageOptions: { smsDisplayName: SMS_DISPLAY_NAME },
        },
      },
      topicNames: Object.fromEntries(topics.map((topic) => [topic.id, topic.name])),
      clock: { now: () => new Date() },
      settings: {
        pollIntervalMs: config.POLL_INTERVAL_MINUTES * 60_000,
        maxBackoffMs: 24 * 3_600_000,
      },
    },
    { concurrency: config.POLL_CONCURRENCY },
  );
  console.log(JSON.stringify({ message: 'poll cycle done', ...report }));
  return report;
};
