/**
 * First-run seeding: the configured feeds and the default topic pack are added to the stores
 * when they are missing (conditional puts: existing feeds keep their poll state, edited topics
 * are not overwritten).
 */
import type { FeedConfig, Topic } from '../model';
import type { Clock, FeedStore, TopicStore } from '../ports';
import {
  type SubscribeInput,
  type SubscriptionChannel,
  type SubscriptionStore,
  subscribe,
} from '../subscriptions/subscribe';

export interface SeedResult {
  feedsAdded: number;
  topicsAdded: number;
  aliasesAdded: number;
}

export async function seedDefaults(
  stores: { feeds: FeedStore; topics: TopicStore },
  defaults: {
    feeds: readonly FeedConfig[];
    topics: readonly Topic[];
    aliases: Readonly<Record<string, string>>;
  },
  now: Date,
): Promise<SeedResult> {
  const feedsAdded = await stores.feeds.addFeeds(defaults.feeds, now);
  // Reads first, so a warm start with everything seeded costs two queries and no writes.
  const existingAliases = await stores.topics.listAliases();
  const aliasesAdded = await stores.topics.addAliases(
    Object.fromEntries(
      Object.entries(defaults.aliases).filter(([name]) => !(name in existingAliases)),
    ),
  );
  const existingTopics = await stores.topics.listTopics();
  const known = new Set(existingTopics.map((topic) => topic.id));
  const topicsAdded = await stores.topics.addTopics(
    defaults.topics.filter((topic) => !known.has(topic.id)),
  );
  return { feedsAdded, topicsAdded, aliasesAdded };
}

/**
 * The deployment's default subscriptions, subscribed as the subscribe command would: one already
 * in place with the same topics and mode is left alone (no second confirmation mail), a changed one
 * moves to its new audience. Removing one from the configuration unsubscribes nobody.
 */
export async function seedSubscriptions(
  inputs: readonly SubscribeInput[],
  deps: {
    store: SubscriptionStore;
    channel: SubscriptionChannel;
    clock: Clock;
    topicIds: ReadonlySet<string>;
  },
): Promise<{ subscribed: number; unchanged: number }> {
  let subscribed = 0;
  for (const input of inputs) {
    if ((await subscribe(input, deps)).changed) subscribed += 1;
  }
  return { subscribed, unchanged: inputs.length - subscribed };
}
