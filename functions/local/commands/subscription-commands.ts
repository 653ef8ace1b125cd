/**
 * `news-alerts subscribe | unsubscribe | subscriptions | dead-letters`: the subscription use cases
 * (and the deliveries parked after repeated failures) on the local
 * database (the one `npm start` uses, under --data-dir). The runner must not be running at the
 * same time: the embedded database allows one process.
 */
import { join } from 'node:path';
import { createDynamoStores } from '../../adapters/dynamodb/stores';
import { loadDefaultTopicPack } from '../../core/matching/topic-pack';
import type { Clock } from '../../core/ports';
import { subscribe, unsubscribe } from '../../core/subscriptions/subscribe';
import type { Subscription } from '../../core/subscriptions/subscription';
import { LOCAL_TABLE_NAMES, startEmbeddedDynamo } from '../embedded-dynamo';
import { OutboxSubscriptionChannel } from '../outbox-subscription-channel';

export interface LocalDatabaseOptions {
  dataDir: string;
  demo: boolean;
}

/** Opens the local database, with the topic pack seeded so topic ids can be checked. */
async function withLocalStores<T>(
  options: LocalDatabaseOptions,
  work: (deps: {
    stores: ReturnType<typeof createDynamoStores>;
    channel: OutboxSubscriptionChannel;
    clock: Clock;
    topicIds: ReadonlySet<string>;
  }) => Promise<T>,
): Promise<T> {
  const dynamo = await startEmbeddedDynamo(
    join(options.dataDir, options.demo ? 'dynamodb-demo' : 'dynamodb'),
  );
  try {
    const stores = createDynamoStores(dynamo.document, LOCAL_TABLE_NAMES, 30);
    const pack = loadDefaultTopicPack();
    await stores.topics.addAliases(pack.aliases);
    await stores.topics.addTopics(pack.topics);
    const topicIds = new Set((await stores.topics.listTopics()).map((topic) => topic.id));
    const clock: Clock = { now: () => new Date() };
    const channel = new OutboxSubscriptionChannel(join(options.dataDir, 'outbox.jsonl'), clock);
    return await work({ stores, channel, clock, topicIds });
  } finally {
    await dynamo.close();
  }
}

export function describeSubscription(subscription: Subscription): string {
  return `${subscription.id}  ${subscription.channel} ${subscription.address}  ${subscription.mode}  ${subscription.status}  topics: ${subscription.topicIds.join(', ')}`;
}

export function subscribeCommand(
  input: { endpoint: string; topics: string[]; mode?: string },
  options: LocalDatabaseOptions,
  write: (line: string) => void,
): Promise<void> {
  return withLocalStores(options, async ({ stores, channel, clock, topicIds }) => {
    const { subscription, created } = await subscribe(input, {
      store: stores.subscriptions,
      channel,
      clock,
      topicIds,
    });
    write(`${created ? 'subscribed' : 'updated'}: ${describeSubscription(subscription)}`);
  });
}

export function unsubscribeCommand(
  endpoint: string,
  options: LocalDatabaseOptions,
  write: (line: string) => void,
): Promise<void> {
  return withLocalStores(options, async ({ stores, channel }) => {
    const removed = await unsubscribe(endpoint, { store: stores.subscriptions, channel });
    write(`unsubscribed: ${describeSubscription(removed)}`);
  });
}

export function listSubscriptionsCommand(
  options: LocalDatabaseOptions & { json: boolean },
  write: (line: string) => void,
): Promise<void> {
  return withLocalStores(options, async ({ stores }) => {
    const subscriptions = await stores.subscriptions.list();
    if (options.json) {
      for (const subscription of subscriptions) write(JSON.stringify(subscription));
    } else if (subscriptions.length === 0) {
      write('no subscriptions');
    } else {
      for (const subscription of subscriptions) write(describeSubscription(subscription));
    }
  });
}

/** `news-alerts dead-letters`: deliveries parked after repeated failures, with their reasons. */
export function deadLettersCommand(
  options: LocalDatabaseOptions,
  write: (line: string) => void,
): Promise<void> {
  return withLocalStores(options, async ({ stores }) => {
    const letters = await stores.deliveries.deadLetters();
    if (letters.length === 0) write('no dead letters');
    for (const letter of letters) {
      write(`${letter.at}  ${letter.audienceId}  ${letter.storyId}  ${letter.reason}`);
    }
  });
}
