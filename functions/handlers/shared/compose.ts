/**
 * The composition the poll handlers share (poll.ts, one whole cycle; poll-worker.ts, one feed a
 * record): their configuration, read once and failing fast, the SDK clients and stores made once
 * per container, and `loadPollDependencies`, which gives `pollFeed` what it needs for one
 * invocation. Importing this module reads the env: only handlers import it.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import feedList from '../../../data/feeds.json' with { type: 'json' };
import { createDynamoClients } from '../../adapters/dynamodb/client';
import { createDynamoStores } from '../../adapters/dynamodb/stores';
import { HttpFeedFetcher } from '../../adapters/http-feed-fetcher';
import { SnsAudiencePublisher } from '../../adapters/sns-audience-publisher';
import { SMS_DISPLAY_NAME } from '../../adapters/sns-subscription-channel';
import { parseFeedList } from '../../core/feeds/feed-list';
import { compileTopics } from '../../core/matching/topic-matcher';
import { loadDefaultTopicPack } from '../../core/matching/topic-pack';
import { loadPollRun } from '../../core/pipeline/poll-dependencies';
import type { PollDependencies } from '../../core/pipeline/poll-feed';
import { seedDefaults } from '../../core/pipeline/seed-defaults';
import { TopicMatcherCache } from '../../core/pipeline/topic-matcher-cache';
import * as z from '../../core/zod';

const tableName = () => z.string().check(z.minLength(1));
export const positiveWholeNumber = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

export const pollConfig = z
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
  })
  .parse(process.env);

export const dynamo = createDynamoClients();
// The publisher retries failed entries itself; SDK retries on top would multiply the attempts.
const sns = new SNSClient({ maxAttempts: 1 });
export const stores = createDynamoStores(
  dynamo.document,
  {
    feeds: pollConfig.FEEDS_TABLE,
    articles: pollConfig.ARTICLES_TABLE,
    topics: pollConfig.TOPICS_TABLE,
    matches: pollConfig.MATCHES_TABLE,
    subscriptions: pollConfig.SUBSCRIPTIONS_TABLE,
    deliveries: pollConfig.DELIVERIES_TABLE,
    stories: pollConfig.STORIES_TABLE,
  },
  pollConfig.RETENTION_DAYS,
);
const pack = loadDefaultTopicPack();
const matchers = new TopicMatcherCache(compileTopics);
const fetcher = new HttpFeedFetcher({ timeoutMs: 20_000 });
const publisher = new SnsAudiencePublisher({ client: sns });
let seeded: Promise<unknown> | undefined;

/**
 * What `pollFeed` needs for one invocation: the topics (cached until they change) and the
 * audiences are read each time, so an edit or a new subscriber counts from the next invocation.
 * Seeds the configured feeds and the topic pack first, once per container.
 */
export async function loadPollDependencies(): Promise<PollDependencies> {
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
  const { deps } = await loadPollRun({
    stores,
    matchers,
    fetcher,
    publisher,
    clock: { now: () => new Date() },
    smsPerHour: pollConfig.SMS_PER_HOUR,
    pollIntervalMs: pollConfig.POLL_INTERVAL_MINUTES * 60_000,
    messageOptions: { smsDisplayName: SMS_DISPLAY_NAME },
  });
  return deps;
}
