/**
 * Delivering stories to audiences on dynalite (the ledger) and the local outbox (fan-out per
 * subscriber): once per audience and story whatever is re-run, digests queued, the SMS cap
 * folding the rest into the next digest with one notice; and the SNS publisher's exact batch.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/stores';
import { SnsAudiencePublisher } from '../../functions/adapters/sns-audience-publisher';
import type { AlertContent } from '../../functions/core/alerts/alert-message';
import { deliverStory, deliveryIdFor } from '../../functions/core/delivery/deliver-story';
import { sendDueDigests } from '../../functions/core/delivery/send-digests';
import { subscribe } from '../../functions/core/subscriptions/subscribe';
import { audienceFor } from '../../functions/core/subscriptions/subscription';
import { OutboxAudiencePublisher } from '../../functions/local/outbox-audience-publisher';
import { OutboxSubscriptionChannel } from '../../functions/local/outbox-subscription-channel';
import { createTestTables } from '../support/dynamo';

const now = new Date('2025-05-01T10:15:00Z');
const clock = { now: () => now };

const story = (id: string, topic = 'energy'): AlertContent => ({
  storyId: id,
  headline: `Gazprom and NIGC sign gas contract ${id}`,
  outlet: 'TASS',
  published: '2025-05-01T09:00:00.000Z',
  topics: [{ id: topic, name: topic }],
  terms: ['gazprom'],
  snippet: 'Russian gas will reach Iran through Azerbaijan.',
  link: `https://tass.com/economy/${id}`,
  language: 'en',
});

async function setUp(smsPerHour = 5) {
  const tables = await createTestTables();
  const stores = createDynamoStores(tables.document, tables.names, 30);
  const dir = await mkdtemp(join(tmpdir(), 'news-alerts-delivery-'));
  const outbox = join(dir, 'outbox.jsonl');
  const subscriptionDeps = {
    store: stores.subscriptions,
    channel: new OutboxSubscriptionChannel(join(dir, 'subscriptions.jsonl'), clock),
    clock,
    topicIds: new Set(['energy', 'agreement-status']),
  };
  await subscribe({ endpoint: 'a@example.org', topics: ['energy'] }, subscriptionDeps);
  await subscribe({ endpoint: 'b@example.org', topics: ['energy'] }, subscriptionDeps);
  await subscribe(
    { endpoint: 'desk@example.org', topics: ['energy'], mode: 'daily' },
    subscriptionDeps,
  );
  await subscribe({ endpoint: '+15555550100', topics: ['energy'] }, subscriptionDeps);
  await subscribe(
    { endpoint: 'treaty@example.org', topics: ['agreement-status'] },
    subscriptionDeps,
  );
  const deps = {
    ledger: stores.deliveries,
    publisher: new OutboxAudiencePublisher({
      path: outbox,
      subscriptions: stores.subscriptions,
      clock,
    }),
    settings: { smsPerHour },
  };
  const audiences = await stores.subscriptions.listAudiences();
  const lines = async () =>
    (await readFile(outbox, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  return { stores, deps, audiences, lines };
}

describe('deliverStory', () => {
  it('sends a story once to each subscriber of its topics, and never again on a re-run', async () => {
    // Prepare
    const { deps, audiences, lines, stores } = await setUp();

    // Act
    const first = await deliverStory(story('s1'), audiences, deps, now);
    const again = await deliverStory(story('s1'), audiences, deps, now);

    // Assess
    expect(first).toEqual({ sent: 2, queued: 1, alreadyDone: 0, failed: [], parked: [] });
    expect(again).toEqual({ sent: 0, queued: 0, alreadyDone: 3, failed: [], parked: [] });
    const sent = await lines();
    expect(sent.map((line) => line.address).sort()).toEqual([
      '+15555550100',
      'a@example.org',
      'b@example.org',
    ]);
    const sms = sent.find((line) => line.channel === 'sms');
    expect(sms.text).toContain('https://tass.com/economy/s1');
    const desk = audienceFor('email', ['energy'], 'daily');
    expect(await stores.deliveries.queuedStories(desk.id)).toEqual([
      { storyId: 's1', queuedAt: now.toISOString() },
    ]);
  });

  it('folds SMS over the hourly cap into the next digest and tells the subscriber once', async () => {
    // Prepare
    const { deps, audiences, lines, stores } = await setUp(2);
    const phone = audienceFor('sms', ['energy'], 'instant');

    // Act
    for (const id of ['s1', 's2', 's3', 's4']) await deliverStory(story(id), audiences, deps, now);

    // Assess
    const toPhone = (await lines()).filter((line) => line.channel === 'sms');
    expect(toPhone.map((line) => line.kind)).toEqual(['instant', 'instant', 'notice']);
    expect(toPhone[2].text).toMatch(/digest/i);
    expect((await stores.deliveries.queuedStories(phone.id)).map((entry) => entry.storyId)).toEqual(
      ['s3', 's4'],
    );
  });

  it('resends a claimed delivery that a crash left unsent', async () => {
    // Prepare: the first attempt dies inside the publisher.
    const { deps, audiences, lines } = await setUp();
    const crashing = {
      ...deps,
      publisher: {
        publish: async () => {
          throw new Error('crash');
        },
      },
    };

    // Act
    await expect(deliverStory(story('s1'), audiences, crashing, now)).rejects.toThrow('crash');
    const rerun = await deliverStory(story('s1'), audiences, deps, now);

    // Assess
    expect(rerun.sent).toBe(2);
    expect((await lines()).filter((line) => line.kind === 'instant')).toHaveLength(3);
  });
});

describe('SnsAudiencePublisher', () => {
  it('publishes each audience message as a json-structured entry to its audience topic', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.map((entry: { Id: string }) => ({
        Id: entry.Id,
        MessageId: `m-${entry.Id}`,
      })),
      Failed: [],
    }));
    const audience = {
      ...audienceFor('email', ['energy'], 'instant'),
      target: 'arn:aws:sns:eu-central-1:1:news-alerts-aud',
    };
    const publisher = new SnsAudiencePublisher({
      client: new SNSClient({ region: 'eu-central-1' }),
    });
    const message = {
      subject: '[news-alerts] Gas',
      message: JSON.stringify({ default: 'd', email: 'e', sms: 's' }),
      attributes: { kind: { DataType: 'String' as const, StringValue: 'instant' } },
    };
    const id = deliveryIdFor(audience.id, 's1');

    // Act
    const outcome = await publisher.publish([{ id, audience, message }]);

    // Assess
    expect(outcome).toEqual({ published: [id], failed: [] });
    expect(sns).toReceiveCommandWith(PublishBatchCommand, {
      TopicArn: 'arn:aws:sns:eu-central-1:1:news-alerts-aud',
      PublishBatchRequestEntries: [
        {
          Id: id,
          Subject: '[news-alerts] Gas',
          Message: message.message,
          MessageStructure: 'json',
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'instant' } },
        },
      ],
    });
    sns.restore();
  });
});

describe('sendDueDigests', () => {
  it('sends each audience one digest per ended period, once, and empties its queue', async () => {
    // Prepare: two stories queued for the daily desk, one SMS over a cap of 1.
    const { deps, audiences, lines, stores } = await setUp(1);
    const storyStore = stores.stories;
    for (const id of ['s1', 's2']) {
      await storyStore.save({
        ...story(id),
        firstSeen: now.toISOString(),
        outlets: ['TASS'],
        articles: 1,
      });
      await deliverStory(story(id), audiences, deps, now);
    }
    await storyStore.addCopy('s1', { outlet: 'IRNA', language: 'fa' }, now);
    const digestDeps = { ...deps, stories: storyStore };
    const sameHour = new Date('2025-05-01T10:50:00Z');
    const nextHour = new Date('2025-05-01T11:05:00Z');
    const nextDay = new Date('2025-05-02T00:05:00Z');

    // Act
    const early = await sendDueDigests(audiences, digestDeps, sameHour);
    const hourly = await sendDueDigests(audiences, digestDeps, nextHour);
    const daily = await sendDueDigests(audiences, digestDeps, nextDay);
    const again = await sendDueDigests(audiences, digestDeps, nextDay);

    // Assess
    expect(early).toEqual({ digests: 0, stories: 0, failed: [] });
    expect(hourly).toEqual({ digests: 1, stories: 1, failed: [] });
    expect(daily).toEqual({ digests: 1, stories: 2, failed: [] });
    expect(again).toEqual({ digests: 0, stories: 0, failed: [] });
    const digests = (await lines()).filter((line) => line.kind === 'digest');
    expect(digests.map((line) => line.address)).toEqual(['+15555550100', 'desk@example.org']);
    expect(digests[1].text).toContain('Gazprom and NIGC sign gas contract s1');
    expect(digests[1].text).toContain('Gazprom and NIGC sign gas contract s2');
    expect(digests[1].text).toContain('IRNA');
    for (const audience of audiences) {
      expect(await stores.deliveries.queuedStories(audience.id)).toEqual([]);
    }
  });
});
