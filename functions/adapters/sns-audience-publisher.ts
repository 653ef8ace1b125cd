/**
 * Sends audience messages through SNS: each audience is one SNS topic (its `target`), and the
 * messages of a topic go through one `SnsBatchPublisher` (PublishBatch, ≤ 10 entries and
 * ≤ 256 KiB a call, failed entries retried with back-off).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { AudienceMessage, AudiencePublisher } from '../core/delivery/ports';
import { type BatchPublishOutcome, SnsBatchPublisher } from './sns-batch-publisher';

export class SnsAudiencePublisher implements AudiencePublisher {
  constructor(
    private readonly options: { client: SNSClient; delay?: (ms: number) => Promise<void> },
  ) {}

  async publish(messages: readonly AudienceMessage[]): Promise<BatchPublishOutcome> {
    const outcome: BatchPublishOutcome = { published: [], failed: [] };
    const byTopic = new Map<string, AudienceMessage[]>();
    for (const message of messages) {
      const topicArn = message.audience.target;
      if (!topicArn) {
        outcome.failed.push({
          id: message.id,
          reason: `audience ${message.audience.id} has no SNS topic`,
        });
        continue;
      }
      byTopic.set(topicArn, [...(byTopic.get(topicArn) ?? []), message]);
    }
    for (const [topicArn, batch] of byTopic) {
      const publisher = new SnsBatchPublisher({ ...this.options, topicArn });
      const sent = await publisher.publish(
        batch.map((message) => ({ id: message.id, ...message.message })),
      );
      outcome.published.push(...sent.published);
      outcome.failed.push(...sent.failed);
    }
    return outcome;
  }
}
