/**
 * The deploy-time seed handler as the CDK trigger runs it: seed.json in (a scratch file, as the
 * stack writes it), the feeds, topics and aliases written to dynalite through the real SDK, and
 * the default subscriptions made with the exact SNS commands on a mocked client. A second run,
 * as after a redeploy, keeps every feed's poll state and calls SNS not at all.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoFeedStore } from '../../functions/adapters/dynamodb/feed-store';
import { DynamoSubscriptionStore } from '../../functions/adapters/dynamodb/subscription-store';
import { DynamoTopicStore } from '../../functions/adapters/dynamodb/topic-store';
import { feedIdFor } from '../../functions/core/ids';
import { loadDefaultTopicPack } from '../../functions/core/matching/topic-pack';
import type { SeedFile } from '../../functions/handlers/seed';
import { createTestTables, type TestTables } from '../support/dynamo';

const snsMock = mockClient(SNSClient);
const seed: SeedFile = {
  feeds: [
    { url: 'https://example.org/rss', name: 'Example', language: 'en' },
    { url: 'https://example.ru/rss', name: 'Пример', language: 'ru' },
  ],
  subscriptions: [
    { endpoint: 'desk@example.org', topics: ['energy', 'defense-military'], mode: 'instant' },
    { endpoint: '+4915112345678', topics: ['energy'], mode: 'daily' },
  ],
};

let tables: TestTables;
let handler: typeof import('../../functions/handlers/seed').handler;

beforeAll(async () => {
  tables = await createTestTables();
  const dir = mkdtempSync(path.join(tmpdir(), 'news-alerts-seed-'));
  writeFileSync(path.join(dir, 'seed.json'), JSON.stringify(seed));
  Object.assign(process.env, {
    FEEDS_TABLE: tables.names.feeds,
    TOPICS_TABLE: tables.names.topics,
    SUBSCRIPTIONS_TABLE: tables.names.subscriptions,
    AUDIENCE_TOPIC_PREFIX: 'news-alerts',
    SEED_FILE: path.join(dir, 'seed.json'),
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  snsMock
    .on(CreateTopicCommand)
    .callsFake((input: { Name: string }) => ({
      TopicArn: `arn:aws:sns:eu-central-1:123456789012:${input.Name}`,
    }))
    .on(SubscribeCommand)
    .callsFake((input: { Protocol: string }) => ({
      SubscriptionArn:
        input.Protocol === 'email'
          ? 'pending confirmation'
          : 'arn:aws:sns:eu-central-1:123456789012:news-alerts-aud-x:5a1f',
    }));
  ({ handler } = await import('../../functions/handlers/seed'));
});

describe('seed handler', () => {
  it('adds the feeds, the topic pack and its aliases, and subscribes the defaults', async () => {
    // Act
    const report = await handler();

    // Assess
    const pack = loadDefaultTopicPack();
    expect(report).toEqual({
      feedsAdded: 2,
      topicsAdded: pack.topics.length,
      aliasesAdded: Object.keys(pack.aliases).length,
      subscribed: 2,
      subscriptionsUnchanged: 0,
    });
    const feeds = new DynamoFeedStore(tables.document, tables.names.feeds);
    expect((await feeds.getFeed(feedIdFor('https://example.ru/rss')))?.name).toBe('Пример');
    const topics = new DynamoTopicStore(tables.document, tables.names.topics);
    expect((await topics.listTopics()).map((topic) => topic.id).sort()).toEqual(
      pack.topics.map((topic) => topic.id).sort(),
    );
    // One encrypted topic per audience, named under the prefix the IAM grant allows.
    const created = snsMock.commandCalls(CreateTopicCommand).map((call) => call.args[0].input);
    expect(created).toHaveLength(2);
    for (const input of created) {
      expect(input.Name).toMatch(/^news-alerts-aud-/);
      expect(input.Attributes).toEqual({
        DisplayName: 'NEWSALERTS',
        KmsMasterKeyId: 'alias/aws/sns',
      });
    }
    expect(
      snsMock.commandCalls(SubscribeCommand).map((call) => {
        const { Protocol, Endpoint, ReturnSubscriptionArn } = call.args[0].input;
        return { Protocol, Endpoint, ReturnSubscriptionArn };
      }),
    ).toEqual([
      { Protocol: 'email', Endpoint: 'desk@example.org', ReturnSubscriptionArn: true },
      { Protocol: 'sms', Endpoint: '+4915112345678', ReturnSubscriptionArn: true },
    ]);
    const subscriptions = new DynamoSubscriptionStore(tables.document, tables.names.subscriptions);
    expect(
      (await subscriptions.list()).map(({ address, status, mode }) => ({ address, status, mode })),
    ).toEqual(
      expect.arrayContaining([
        { address: 'desk@example.org', status: 'pending', mode: 'instant' },
        { address: '+4915112345678', status: 'confirmed', mode: 'daily' },
      ]),
    );
  });

  it('changes nothing on a second run: poll state kept, no SNS call', async () => {
    // Prepare: the feed has been polled since the first deploy.
    snsMock.resetHistory();
    const feeds = new DynamoFeedStore(tables.document, tables.names.feeds);
    const feedId = feedIdFor('https://example.org/rss');
    await feeds.savePollState(feedId, {
      etag: '"v7"',
      lastSuccessAt: '2025-05-01T10:00:00.000Z',
      consecutiveErrors: 0,
      nextPollAt: '2025-05-01T10:15:00.000Z',
    });

    // Act
    const report = await handler();

    // Assess
    expect(report).toEqual({
      feedsAdded: 0,
      topicsAdded: 0,
      aliasesAdded: 0,
      subscribed: 0,
      subscriptionsUnchanged: 2,
    });
    expect(snsMock.calls()).toHaveLength(0);
    expect(await feeds.getFeed(feedId)).toMatchObject({
      etag: '"v7"',
      nextPollAt: '2025-05-01T10:15:00.000Z',
    });
  });
});
