/**
 * Digests: once an hour (hourly audiences, and instant SMS audiences whose alerts passed the cap)
 * or once a day (daily audiences, at 00:00 UTC), one message per audience lists the stories queued
 * in the period that ended, grouped by topic. The digest is claimed in the ledger like any
 * delivery, so a re-run sends it at most once; its stories leave the queue only after it went out.
 */
import { randomUUID } from 'node:crypto';
import { buildDigestMessage, type MessageOptions } from '../alerts/alert-message';
import type { StoryStore } from '../pipeline/story-folder';
import type { Audience } from '../subscriptions/subscription';
import { deliveryIdFor } from './deliver-story';
import type { AudiencePublisher, DeliveryLedger } from './ports';

export interface DigestOutcome {
  digests: number;
  stories: number;
  failed: { audienceId: string; reason: string }[];
}

/** The start of the period `now` is in: queued stories from before it are due. */
export function periodBoundary(mode: Audience['mode'], now: Date): Date {
  const boundary = new Date(now);
  boundary.setUTCMinutes(0, 0, 0);
  if (mode === 'daily') boundary.setUTCHours(0);
  return boundary;
}

export async function sendDueDigests(
  audiences: readonly Audience[],
  deps: {
    ledger: DeliveryLedger;
    publisher: AudiencePublisher;
    stories: StoryStore;
    messageOptions?: MessageOptions;
    /** Where a digest can be read in full (a dashboard), linked from the SMS. */
    link?: string;
  },
  now: Date,
): Promise<DigestOutcome> {
  const outcome: DigestOutcome = { digests: 0, stories: 0, failed: [] };
  const claimant = randomUUID();
  for (const audience of audiences) {
    const queued = await deps.ledger.queuedStories(audience.id);
    if (queued.length === 0) continue;
    const boundary = periodBoundary(audience.mode, now).toISOString();
    const due = queued.filter((entry) => entry.queuedAt < boundary);
    if (due.length === 0) continue;
    const storyIds = due.map((entry) => entry.storyId);
    const digestKey = `digest#${boundary}`;
    const state = await deps.ledger.claim(audience.id, digestKey, now, claimant);
    // Another digest run is sending it: its queue is left to that run.
    if (state === 'in-progress') continue;
    if (state === 'claimed' || state === 'pending') {
      const stories = await deps.stories.getMany(storyIds);
      if (stories.length > 0) {
        const id = deliveryIdFor(audience.id, digestKey);
        const message = buildDigestMessage(
          {
            periodStart: due[0]?.queuedAt ?? boundary,
            periodEnd: boundary,
            // Copies that joined a story since its alert show as its other outlets.
            stories: stories.map((story) => ({
              ...story,
              otherOutlets: story.outlets.filter((outlet) => outlet !== story.outlet),
            })),
            link: deps.link,
          },
          deps.messageOptions,
        );
        const result = await deps.publisher.publish([{ id, audience, message }]);
        if (!result.published.includes(id)) {
          // Not sent: the next run claims it again, and the stories stay queued.
          await deps.ledger.release(audience.id, digestKey, claimant);
          outcome.failed.push({
            audienceId: audience.id,
            reason: result.failed[0]?.reason ?? 'not acknowledged by the publisher',
          });
          continue;
        }
        outcome.digests += 1;
        outcome.stories += stories.length;
      }
      await deps.ledger.markSent(audience.id, digestKey, now);
    }
    await deps.ledger.clearQueued(audience.id, storyIds);
    await deps.ledger.recordDigest(audience.id, now);
  }
  return outcome;
}
