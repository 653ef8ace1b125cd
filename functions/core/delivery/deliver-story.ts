/**
 * Delivering one new story: to every audience that follows one of its topics, once. Each
 * delivery is claimed in the ledger (a conditional put) before anything is sent, so a re-run after
 * a crash sends what was claimed but not sent, and nothing that was sent; and a run that finds a
 * claim another run holds (two pollers on one feed at once) leaves it to that run. Digest audiences get the
 * story queued for their next digest; SMS audiences over their hourly cap too, with one notice.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  type AlertContent,
  buildFloodNotice,
  buildSnsMessage,
  type MessageOptions,
} from '../alerts/alert-message';
import { type Audience, audiencesForTopics } from '../subscriptions/subscription';
import type { AudienceMessage, AudiencePublisher, DeliveryLedger } from './ports';

export interface DeliverySettings {
  /** SMS alerts per audience (and so per subscriber) per hour before they fold into a digest. */
  smsPerHour: number;
  messageOptions?: MessageOptions;
}

export interface DeliveryOutcome {
  sent: number;
  queued: number;
  /** Deliveries skipped because an earlier run completed them. */
  alreadyDone: number;
  /** Deliveries that could not be sent now; they stay claimed and are retried next cycle. */
  failed: { audienceId: string; reason: string }[];
  /** Deliveries that failed MAX_DELIVERY_ATTEMPTS times: parked as dead letters, not retried. */
  parked: { audienceId: string; reason: string }[];
  /**
   * Deliveries another run holds (it is sending them now, or died less than a lease ago): not
   * sent here, and not a failure; the next cycle finds them sent, or takes them over. Absent
   * when there are none.
   */
  deferred?: { audienceId: string }[];
}

/** Cycles a failing delivery is retried in before it is parked as a dead letter. */
export const MAX_DELIVERY_ATTEMPTS = 5;

export const deliveryIdFor = (audienceId: string, storyId: string): string =>
  `dlv-${createHash('sha256').update(`${audienceId}\n${storyId}`).digest('base64url').slice(0, 22)}`;

/** The UTC hour a time falls in, the SMS window key: `2025-05-01T10`. */
export const hourOf = (time: Date): string => time.toISOString().slice(0, 13);

export async function deliverStory(
  story: AlertContent,
  audiences: readonly Audience[],
  deps: { ledger: DeliveryLedger; publisher: AudiencePublisher; settings: DeliverySettings },
  now: Date,
): Promise<DeliveryOutcome> {
  const outcome: DeliveryOutcome = { sent: 0, queued: 0, alreadyDone: 0, failed: [], parked: [] };
  // This call's name on the claims it makes: another run (a duplicate SQS message, a worker
  // polling the same feed at once) finds them held and leaves them to it.
  const claimant = randomUUID();
  // Claims made or taken over and not yet settled: released if this call fails half-way.
  const held = new Set<string>();
  try {
    const messages: AudienceMessage[] = [];
    const routed = audiencesForTopics(
      audiences,
      story.topics.map((topic) => topic.id),
    );
    for (const audience of routed) {
      held.add(audience.id);
      const state = await deps.ledger.claim(audience.id, story.storyId, now, claimant);
      if (state === 'in-progress') {
        held.delete(audience.id);
        outcome.deferred = [...(outcome.deferred ?? []), { audienceId: audience.id }];
        continue;
      }
      if (state !== 'claimed' && state !== 'pending') {
        held.delete(audience.id);
        outcome.alreadyDone += 1;
        continue;
      }
      if (audience.mode !== 'instant') {
        await deps.ledger.queueForDigest(
          audience.id,
          story.storyId,
          `${audience.mode} digest`,
          now,
        );
        held.delete(audience.id);
        outcome.queued += 1;
        continue;
      }
      if (audience.channel === 'sms') {
        const hour = hourOf(now);
        if (!(await deps.ledger.takeSmsSlot(audience.id, hour, deps.settings.smsPerHour))) {
          await deps.ledger.queueForDigest(
            audience.id,
            story.storyId,
            'over the hourly SMS cap',
            now,
          );
          held.delete(audience.id);
          outcome.queued += 1;
          if (await deps.ledger.claimFloodNotice(audience.id, hour)) {
            messages.push(floodNotice(audience, hour, deps.settings));
          }
          continue;
        }
      }
      messages.push({
        id: deliveryIdFor(audience.id, story.storyId),
        audience,
        message: buildSnsMessage(story, deps.settings.messageOptions),
      });
    }
    if (messages.length === 0) return outcome;

    const result = await deps.publisher.publish(messages);
    const published = new Set(result.published);
    const reasons = new Map(result.failed.map((failure) => [failure.id, failure.reason]));
    for (const message of messages) {
      if (message.id.startsWith('notice-')) continue;
      const audienceId = message.audience.id;
      if (published.has(message.id)) {
        await deps.ledger.markSent(audienceId, story.storyId, now);
        held.delete(audienceId);
        outcome.sent += 1;
      } else {
        const reason = reasons.get(message.id) ?? 'not acknowledged by the publisher';
        const attempts = await deps.ledger.recordAttemptFailure(
          audienceId,
          story.storyId,
          reason,
          now,
        );
        held.delete(audienceId);
        if (attempts >= MAX_DELIVERY_ATTEMPTS) {
          await deps.ledger.markFailed(audienceId, story.storyId, reason, now);
          outcome.parked.push({ audienceId, reason });
        } else {
          outcome.failed.push({ audienceId, reason });
        }
      }
    }
    return outcome;
  } catch (error) {
    // Failed half-way (a store or the publisher threw): the next run need not wait for the
    // lease. A process that dies instead leaves its claims to expire.
    await Promise.allSettled(
      [...held].map((audienceId) => deps.ledger.release(audienceId, story.storyId, claimant)),
    );
    throw error;
  }
}

function floodNotice(
  audience: Audience,
  hour: string,
  settings: DeliverySettings,
): AudienceMessage {
  const resumeAt = new Date(`${hour}:00:00.000Z`);
  resumeAt.setUTCHours(resumeAt.getUTCHours() + 1);
  const text = buildFloodNotice({
    resumeAt: resumeAt.toISOString(),
    smsDisplayName: settings.messageOptions?.smsDisplayName,
  });
  return {
    id: `notice-${deliveryIdFor(audience.id, hour)}`,
    audience,
    message: {
      subject: '[news-alerts] More alerts in your next digest',
      message: JSON.stringify({ default: text, email: text, sms: text }),
      attributes: {
        kind: { DataType: 'String', StringValue: 'notice' },
      },
    },
  };
}
