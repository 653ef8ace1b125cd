/**
 * The composition of the poll worker (poll-worker.ts, one feed a record): its configuration, read once and failing fast, the SDK clients and stores made once
 * per container, and `loadPollDependencies`, which gives `pollFeed` what it needs for one
 * invocation. Importing this module reads the env: only handlers import it.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { createDynamoClients } from '../../adapters/dynamodb/client';
import { createDynamoStores } from '../../adapters/dynamodb/stores';
import { HttpFeedFetcher } from '../../adapters/http-feed-fetcher';
import { SnsAudiencePublisher } from '../../adapters/sns-audience-publisher';
import { SMS_DISPLAY_NAME } from '../../adapters/sns-subscription-channel';
import { compileTopics } from '../../core/matching/topic-matcher';
import { loadPollRun } from '../../core/pipeline/poll-dependencies';
import type { PollDependencies } from '../../core/pipeline/poll-feed';
import { TopicMatcherCache } from '../../core/pipeline/topic-matcher-cache';
import * as z from '../../core/zod';
import { positiveWholeNumber, tableName } from './env-schema';

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
const matchers = new TopicMatcherCache(compileTopics);
const fetcher = new HttpFeedFetcher({ timeoutMs: 20_000 });
const publisher = new SnsAudiencePublisher({ client: sns });

/**
 * What `pollFeed` needs for one invocation: the topics (cached until they change) and the
 * audiences are read each time, so an edit or a new subscriber counts from the next invocation.
 * The feeds, topics and subscriptions were seeded at deploy time (seed.ts).
 */
export async function loadPollDependencies(): Promise<PollDependencies> {
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
