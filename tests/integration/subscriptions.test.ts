/**
 * Subscribing, changing and unsubscribing through the use cases, on dynalite and the local
 * outbox channel; and the SNS channel's exact commands.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTopicCommand,
  InvalidParameterException,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/stores';
import { SnsSubscriptionChannel } from '../../functions/adapters/sns-subscription-channel';
import {
  SubscriptionNotFoundError,
  subscribe,
  unsubscribe,
} from '../../functions/core/subscriptions/subscribe';
import { audienceFor } from '../../functions/core/subscriptions/subscription';
import { OutboxSubscriptionChannel } from '../../functions/local/outbox-subscription-channel';
import { createTestTables } from '../support/dynamo';

const clock = { now: () => new Date('2025-05-01T10:00:00Z') };
const topicIds = new Set(['energy', 'agreement-status', 'finance-trade']);

async function setUp() {
  const tables = await createTestTables();
  const stores = createDynamoStores(tables.document, tables.names, 30);
  const outbox = join(await mkdtemp(join(tmpdir(), 'news-alerts-subs-')), 'outbox.jsonl');
  const deps = {
    store: stores.subscriptions,
    channel: new OutboxSubscriptionChannel(outbox, clock),
    clock,
    topicIds,
  };
  return { stores, deps, outbox, tables };
}

describe('subscriptions on dynalite', () => {
  it('subscribes, moves a changed subscription to its new audience and unsubscribes', async () => {
    // Prepare
    const { stores, deps, outbox } = await setUp();

    // Act
    const first = await subscribe(
      { endpoint: 'Analyst@Example.org', topics: ['energy', 'agreement-status'] },
      deps,
    );
    const again = await subscribe(
      { endpoint: 'analyst@example.org', topics: ['agreement-status', 'energy'] },
      deps,
    );
    await subscribe({ endpoint: '+4915112345678', topics: ['energy'], mode: 'hourly' }, deps);
    const changed = await subscribe(
      { endpoint: 'analyst@example.org', topics: ['finance-trade'], mode: 'daily' },
      deps,
    );
    const audiences = await stores.subscriptions.listAudiences();
    await unsubscribe('+4915112345678', deps);

    // Assess
    expect(first.created).toBe(true);
    expect(again).toEqual({ subscription: first.subscription, created: false, changed: false });
    expect(changed.created).toBe(false);
    expect(changed.subscription).toMatchObject({
      id: first.subscription.id,
      topicIds: ['finance-trade'],
      mode: 'daily',
      createdAt: first.subscription.createdAt,
    });
    // The first audience emptied when the analyst moved: it is gone.
    expect(audiences.map((audience) => audience.id).sort()).toEqual(
      [
        audienceFor('email', ['finance-trade'], 'daily').id,
        audienceFor('sms', ['energy'], 'hourly').id,
      ].sort(),
    );
    expect(await stores.subscriptions.list()).toEqual([changed.subscription]);
    expect(await stores.subscriptions.listAudiences()).toHaveLength(1);
    expect(await stores.subscriptions.membersOf(changed.subscription.audienceId)).toEqual([
      changed.subscription,
    ]);
    const events = (await readFile(outbox, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).event);
    expect(events).toEqual([
      'subscribed',
      'subscribed',
      'unsubscribed',
      'subscribed',
      'unsubscribed',
    ]);
  });

  it('stores nothing for bad input and names the field', async () => {
    const { stores, deps } = await setUp();

    await expect(subscribe({ endpoint: '0151 1234', topics: ['energy'] }, deps)).rejects.toThrow(
      /^endpoint: /,
    );
    await expect(subscribe({ endpoint: 'a@b.org', topics: ['nope'] }, deps)).rejects.toThrow(
      /^topics: unknown topic nope/,
    );
    await expect(unsubscribe('a@b.org', deps)).rejects.toBeInstanceOf(SubscriptionNotFoundError);
    expect(await stores.subscriptions.list()).toEqual([]);
  });
});

describe('SnsSubscriptionChannel', () => {
  it('creates the audience topic and subscribes the endpoint, email pending confirmation', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(CreateTopicCommand).resolves({ TopicArn: 'arn:aws:sns:eu-central-1:1:na-aud' });
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: 'arn:aws:sns:eu-central-1:1:na-aud:42' });
    const channel = new SnsSubscriptionChannel({
      client: new SNSClient({ region: 'eu-central-1' }),
      topicNamePrefix: 'news-alerts',
    });
    const audience = audienceFor('email', ['energy'], 'instant');
    const subscription = {
      id: 'sub-1',
      channel: 'email' as const,
      address: 'analyst@example.org',
      topicIds: ['energy'],
      mode: 'instant' as const,
      status: 'pending' as const,
      audienceId: audience.id,
      createdAt: '',
      updatedAt: '',
    };

    // Act
    const joined = await channel.join(subscription, audience);
    await channel.leave({ ...subscription, reference: joined.reference });
    sns
      .on(UnsubscribeCommand)
      .rejects(new InvalidParameterException({ message: 'pending', $metadata: {} }));
    await channel.leave({ ...subscription, reference: 'pending confirmation' });

    // Assess
    expect(joined).toEqual({
      status: 'pending',
      target: 'arn:aws:sns:eu-central-1:1:na-aud',
      reference: 'arn:aws:sns:eu-central-1:1:na-aud:42',
    });
    expect(sns).toReceiveCommandWith(CreateTopicCommand, {
      Name: `news-alerts-${audience.id}`,
      Tags: [{ Key: 'news-alerts:audience', Value: audience.id }],
    });
    expect(sns).toReceiveCommandWith(SubscribeCommand, {
      TopicArn: 'arn:aws:sns:eu-central-1:1:na-aud',
      Protocol: 'email',
      Endpoint: 'analyst@example.org',
      ReturnSubscriptionArn: true,
    });
    expect(sns).toReceiveNthCommandWith(UnsubscribeCommand, 1, {
      SubscriptionArn: 'arn:aws:sns:eu-central-1:1:na-aud:42',
    });
    sns.restore();
  });
});
