/**
 * What one poll run needs, composed the same way by the Lambda worker and the local runner: the
 * topics (compiled once, again only when they change) and the audiences are read for every run, so
 * an edited topic or a new subscriber counts from the next run.
 */
import type { MessageOptions } from '../alerts/alert-message';
import type { TopicActivityStore } from '../dashboard/topic-activity';
import type { AudiencePublisher, DeliveryLedger } from '../delivery/ports';
import type { Topic } from '../model';
import type { ArticleStore, Clock, FeedFetcher, FeedStore, MatchStore } from '../ports';
import type { StoryIndex } from '../stories/story-folding';
import type { SubscriptionStore } from '../subscriptions/subscribe';
import type { Audience } from '../subscriptions/subscription';
import type { PollDependencies } from './poll-feed';
import { FingerprintStoryFolder, type StoryStore } from './story-folder';
import type { TopicMatcherCache } from './topic-matcher-cache';

export interface PollParts {
  stores: {
    feeds: FeedStore;
    articles: ArticleStore;
    matches: MatchStore;
    topics: Parameters<TopicMatcherCache['load']>[0];
    subscriptions: Pick<SubscriptionStore, 'listAudiences'>;
    deliveries: DeliveryLedger;
    stories: StoryStore;
    storyIndex: StoryIndex;
    activity: TopicActivityStore;
  };
  matchers: TopicMatcherCache;
  fetcher: FeedFetcher;
  publisher: AudiencePublisher;
  clock: Clock;
  smsPerHour: number;
  pollIntervalMs: number;
  messageOptions?: MessageOptions;
}

export async function loadPollRun(
  parts: PollParts,
): Promise<{ deps: PollDependencies; topics: Topic[]; audiences: Audience[] }> {
  const { stores } = parts;
  const { matcher, topics } = await parts.matchers.load(stores.topics);
  const audiences = await stores.subscriptions.listAudiences();
  const deps: PollDependencies = {
    feeds: stores.feeds,
    articles: stores.articles,
    matches: stores.matches,
    fetcher: parts.fetcher,
    matcher,
    stories: { folder: new FingerprintStoryFolder(stores.storyIndex), store: stores.stories },
    activity: stores.activity,
    delivery: {
      ledger: stores.deliveries,
      publisher: parts.publisher,
      audiences,
      settings: { smsPerHour: parts.smsPerHour, messageOptions: parts.messageOptions },
    },
    topicNames: Object.fromEntries(topics.map((topic) => [topic.id, topic.name])),
    clock: parts.clock,
    settings: { pollIntervalMs: parts.pollIntervalMs, maxBackoffMs: 24 * 3_600_000 },
  };
  return { deps, topics, audiences };
}
