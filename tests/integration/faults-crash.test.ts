/**
 * A crash between any two steps of a poll. A clean poll of one feed (a new story for three
 * audiences: instant email, instant SMS, daily digest; a second story; a copy that folds into the
 * first; an item no topic matches) is recorded as its sequence of store and publisher calls. Then,
 * for each k, the same poll runs on fresh tables in a process that dies right after its k-th call
 * (that call's effect stays; it and every later call throw, so no error handling writes
 * anything), and the next ticks run normally. Each time the end state is the clean run's: every
 * delivery sent, every digest entry queued, every article stored, the feed validated; and no
 * delivery sent twice, but for the one window SNS leaves open (published, and the process died
 * before the ledger said so: docs/delivery.md).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { deliveryIdFor } from '../../functions/core/delivery/deliver-story';
import type { PollDependencies } from '../../functions/core/pipeline/poll-feed';
import { pollFeed } from '../../functions/core/pipeline/poll-feed';
import { runPollCycle } from '../../functions/core/pipeline/run-poll-cycle';
import { FingerprintStoryFolder } from '../../functions/core/pipeline/story-folder';
import {
  AUDIENCES,
  createWorld,
  FeedServer,
  ITEMS,
  MINUTE,
  RecordingPublisher,
  type World,
} from './faults-world';

class ProcessDied extends Error {
  override readonly name = 'ProcessDied';
}

/** The calls a run makes to its ports, as steps; the process dies after step `dieAfter`. */
class Process {
  readonly steps: string[] = [];
  dead = false;

  constructor(private readonly dieAfter = Number.POSITIVE_INFINITY) {}

  wrap<T extends object>(name: string, target: T): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (this.dead) throw new ProcessDied('the process is gone');
          const result = await value.apply(object, args);
          this.steps.push(`${name}.${String(property)}`);
          if (this.steps.length >= this.dieAfter && !this.dead) {
            this.dead = true;
            throw new ProcessDied(`died after ${name}.${String(property)}`);
          }
          return result;
        };
      },
    });
  }

  /** The world's ports, each call a step of this process. */
  ports(world: World): PollDependencies {
    const { deps, stores } = world;
    return {
      ...deps,
      feeds: this.wrap('feeds', deps.feeds),
      articles: this.wrap('articles', deps.articles),
      matches: this.wrap('matches', deps.matches),
      stories: {
        folder: new FingerprintStoryFolder(this.wrap('storyIndex', stores.storyIndex)),
        store: this.wrap('stories', deps.stories.store),
      },
      activity: this.wrap('activity', deps.activity),
      delivery: {
        ...deps.delivery,
        ledger: this.wrap('ledger', deps.delivery.ledger),
        publisher: this.wrap('publisher', deps.delivery.publisher),
      },
    };
  }
}

const server = await new FeedServer().start();
afterAll(async () => {
  await server.close();
});
const ARTICLES = [ITEMS.gasDeal, ITEMS.ratification, ITEMS.gasDealCopy, ITEMS.filler];

async function setUp() {
  const feed = server.feed('crash', ARTICLES);
  const publisher = new RecordingPublisher();
  const world = await createWorld([feed], publisher);
  const [due] = await world.stores.feeds.listDueFeeds(world.clock.now());
  if (!due) throw new Error('the feed is not due');
  return { world, publisher, due };
}

/** What a world holds once things settled: compared between the clean run and each crash. */
async function endState(world: World, publisher: RecordingPublisher, feedId: string) {
  const feed = await world.stores.feeds.getFeed(feedId);
  return {
    sent: [...publisher.counts().keys()].sort(),
    // A crash between queueing and marking queues a story twice; its digest lists it once.
    queued: [...new Set(await world.queued())],
    validated: feed?.etag !== undefined && feed.consecutiveErrors === 0,
    deadLetters: await world.stores.deliveries.deadLetters(),
  };
}

/** Deliveries the ledger still has pending, as `audienceId/deliveryId`. */
async function pendingDeliveries(world: World): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const audience of AUDIENCES) {
    const page = await world.tables.document.send(
      new QueryCommand({
        TableName: world.tables.names.deliveries,
        KeyConditionExpression: 'audienceId = :audience AND begins_with(sk, :story)',
        ExpressionAttributeValues: { ':audience': audience.id, ':story': 'story#' },
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      const storyId = String(item.sk).slice('story#'.length);
      if (item.state === 'pending')
        keys.add(`${audience.id}/${deliveryIdFor(audience.id, storyId)}`);
    }
  }
  return keys;
}

/** The ticks after the crash: past any claim's lease, as the next ticks would be. */
async function settle(world: World) {
  const reports = [];
  for (let tick = 0; tick < 3; tick++) {
    world.clock.advance(10 * MINUTE);
    reports.push(await runPollCycle(world.deps, { concurrency: 1 }));
  }
  return reports;
}

const clean = await (async () => {
  const { world, publisher, due } = await setUp();
  const process = new Process();
  const outcome = await pollFeed(due, process.ports(world));
  await settle(world);
  return { steps: process.steps, outcome, state: await endState(world, publisher, due.id) };
})();

describe('a crash between two steps of a poll', () => {
  it('covers every kind of step: a new story, a copy, digest, SMS, publish, commit', () => {
    expect(clean.outcome).toMatchObject({
      status: 'updated',
      newArticles: 4,
      alerts: 2,
      copies: 1,
      deliveries: 3,
      queued: 1,
    });
    expect(new Set(clean.steps)).toEqual(
      new Set([
        'articles.findExisting',
        'matches.recordPending',
        'storyIndex.findCandidates',
        'storyIndex.addMember',
        'storyIndex.takeSequence',
        'stories.save',
        'ledger.claim',
        'ledger.queueForDigest',
        'ledger.takeSmsSlot',
        'publisher.publish',
        'ledger.markSent',
        'matches.markAlerted',
        'activity.record',
        'stories.addCopy',
        'articles.addArticles',
        'feeds.savePollState',
      ]),
    );
    expect(clean.state.sent).toHaveLength(3);
    expect(clean.state.queued).toHaveLength(1);
    expect(clean.state.deadLetters).toEqual([]);
  });

  it.each(
    Array.from({ length: clean.steps.length + 1 }, (_, step) => [
      step,
      step === 0 ? 'the fetch, before any write' : clean.steps[step - 1],
    ]),
  )('ends as the clean run did when the process dies after step %i (%s)', async (step) => {
    // Prepare
    const { world, publisher, due } = await setUp();
    const process = new Process(Number(step));
    process.dead = step === 0;

    // Act: the dying run, then the next ticks.
    const crashed = await pollFeed(due, process.ports(world));
    const pending = await pendingDeliveries(world);
    const unmarked = new Set([...publisher.counts().keys()].filter((key) => pending.has(key)));
    const reports = await settle(world);

    // Assess
    expect(crashed.status).toBe('failed');
    expect(reports.map((report) => report.feedsFailed)).toEqual([0, 0, 0]);
    expect(await endState(world, publisher, due.id)).toEqual(clean.state);
    // Sent once; twice only when it was published and the process died before the ledger knew.
    for (const [key, count] of publisher.counts()) {
      expect({ key, count }).toEqual({ key, count: unmarked.has(key) ? 2 : 1 });
    }
    expect(reports.at(-1)).toMatchObject({ feedsFailed: 0, newArticles: 0, deliveries: 0 });
  });
});
