/**
 * At-least-once delivery of work, exactly-once alerts: the same feed polled twice at once (an SQS
 * message delivered twice, or two dispatches of one tick), a claim left by a run that died, and
 * an item edited between a crashed run and its re-run. The idempotency key is the business key,
 * audience × story, claimed with a conditional put in the delivery ledger (not a message id).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudienceMessage, AudiencePublisher } from '../../functions/core/delivery/ports';
import { pollFeed } from '../../functions/core/pipeline/poll-feed';
import { runPollCycle } from '../../functions/core/pipeline/run-poll-cycle';
import {
  AUDIENCES,
  createWorld,
  FeedServer,
  ITEMS,
  MINUTE,
  RecordingPublisher,
} from './faults-world';

let server: FeedServer;
beforeAll(async () => {
  server = await new FeedServer().start();
});
afterAll(async () => {
  await server.close();
});

/** A publisher that takes its time, so that two runs overlap while one is publishing. */
class SlowPublisher extends RecordingPublisher {
  override async publish(messages: readonly AudienceMessage[]) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return super.publish(messages);
  }
}

describe('the same feed polled twice at once', () => {
  it('alerts each audience once when two pollers take the same new items together', async () => {
    // Prepare: what the poll worker does with two records naming one feed (Promise.allSettled).
    const feed = server.feed('twice', [ITEMS.gasDeal, ITEMS.ratification, ITEMS.filler]);
    const publisher = new SlowPublisher();
    const world = await createWorld([feed], publisher);
    const [due] = await world.stores.feeds.listDueFeeds(world.clock.now());
    if (!due) throw new Error('the feed is not due');

    // Act: both at once, then the next tick.
    const together = await Promise.all([pollFeed(due, world.deps), pollFeed(due, world.deps)]);
    world.clock.advance(15 * MINUTE);
    const next = await runPollCycle(world.deps, { concurrency: 1 });

    // Assess: two stories, to the instant email and SMS audiences (energy) and email (treaty);
    // each sent by whichever run claimed it, once.
    expect(together.map((outcome) => outcome.status)).toEqual(['updated', 'updated']);
    expect(publisher.sends).toHaveLength(3);
    expect([...publisher.counts().values()]).toEqual([1, 1, 1]);
    expect(await world.queued()).toHaveLength(1);
    // A run that found a delivery held by the other left its article new; the next tick found
    // every delivery sent, stored the articles, and sent nothing.
    expect(next).toMatchObject({ feedsFailed: 0, deliveries: 0, alertFailures: 0 });
    world.clock.advance(15 * MINUTE);
    const settled = await runPollCycle(world.deps, { concurrency: 1 });
    expect(settled).toMatchObject({ feedsFailed: 0, newArticles: 0, deliveries: 0 });
    expect(publisher.sends).toHaveLength(3);
  });
});

describe('a claim left by a run that died', () => {
  it('is left alone while it may still be in progress, then taken over and sent once', async () => {
    // Prepare: a run claims the deliveries and dies before publishing (no error handling ran).
    const feed = server.feed('orphan', [ITEMS.gasDeal]);
    const publisher = new RecordingPublisher();
    const world = await createWorld([feed], publisher);
    let claimed: () => void = () => {};
    const reachedPublish = new Promise<void>((resolve) => {
      claimed = resolve;
    });
    const dying: AudiencePublisher = {
      publish: () => {
        claimed();
        return new Promise(() => undefined);
      },
    };
    const [due] = await world.stores.feeds.listDueFeeds(world.clock.now());
    if (!due) throw new Error('the feed is not due');
    void pollFeed(due, { ...world.deps, delivery: { ...world.deps.delivery, publisher: dying } });
    await reachedPublish;

    // Act: a run a minute later (the dead run's lease still holds), then one a tick later.
    world.clock.advance(MINUTE);
    const early = await runPollCycle(world.deps, { concurrency: 1 });
    const sendsEarly = publisher.sends.length;
    world.clock.advance(15 * MINUTE);
    const late = await runPollCycle(world.deps, { concurrency: 1 });

    // Assess
    expect(early).toMatchObject({ feedsFailed: 0, deliveries: 0, alertFailures: 0 });
    expect(sendsEarly).toBe(0);
    expect(late).toMatchObject({ feedsFailed: 0, deliveries: 2 });
    const instant = AUDIENCES.filter((audience) => audience.mode === 'instant');
    expect(publisher.sends.map((send) => send.audienceId).sort()).toEqual(
      instant.map((audience) => audience.id).sort(),
    );
  });
});
