/**
 * Delivering one new story: to every audience that follows one of its topics, once. Each
 * delivery is claimed in the ledger (a conditional put) before anything is sent, so a re-run after
 * a crash sends what was claimed but not sent, and nothing that was sent. Digest audiences get the
 * story queued for their next digest; SMS audiences over their hourly cap too, with one notice.
 */
import { createHash } from 'node:crypto';
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
  const messages: AudienceMessage[] = [];
  const routed = audiencesForTopics(
    audiences,
    story.topics.map((topic) => topic.id),
  );
  for (const audience of routed) {
    const state = await deps.ledger.claim(audience.id, story.storyId, now);
    if (state !== 'claimed' && state !== 'pending') {
      outcome.alreadyDone += 1;
      continue;
    }
    if (audience.mode !== 'instant') {
      await deps.ledger.queueForDigest(audience.id, story.storyId, `${audience.mode} digest`, now);
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
    if (published.has(message.id)) {
      await deps.ledger.markSent(message.audience.id, story.storyId, now);
      outcome.sent += 1;
    } else {
      const reason = reasons.get(message.id) ?? 'not acknowledged by the publisher';
      const audienceId = message.audience.id;
      const attempts = await deps.ledger.recordAttemptFailure(
        audienceId,
        story.storyId,
        reason,
        now,
      );
      if (attempts >= MAX_DELIVERY_ATTEMPTS) {
        await deps.ledger.markFailed(audienceId, story.storyId, reason, now);
        outcome.parked.push({ audienceId, reason });
      } else {
        outcome.failed.push({ audienceId, reason });
      }
    }
  }
  return outcome;
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
