/**
 * Sends audience messages through SNS: each audience is one SNS topic (its `target`), and a batch
 * per topic goes through `SnsAlertPublisher.publishStructured` (PublishBatch, ≤ 10 entries and
 * ≤ 256 KB a call, failed entries retried with back-off).
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { AudienceMessage, AudiencePublisher } from '../core/delivery/ports';
import { SnsAlertPublisher } from './sns-alert-publisher';

export class SnsAudiencePublisher implements AudiencePublisher {
  constructor(
    private readonly options: { client: SNSClient; delay?: (ms: number) => Promise<void> },
  ) {}

  async publish(messages: readonly AudienceMessage[]) {
    const published: string[] = [];
    const failed: { id: string; reason: string }[] = [];
    const byTarget = new Map<string, AudienceMessage[]>();
    for (const message of messages) {
      const target = message.audience.target;
      if (!target) {
        failed.push({ id: message.id, reason: `audience ${message.audience.id} has no SNS topic` });
        continue;
      }
      byTarget.set(target, [...(byTarget.get(target) ?? []), message]);
    }
    for (const [topicArn, batch] of byTarget) {
      const publisher = new SnsAlertPublisher({
        client: this.options.client,
        topicArn,
        topicNames: {},
        delay: this.options.delay,
      });
      const outcome = await publisher.publishStructured(
        batch.map((message) => ({ id: message.id, ...message.message })),
      );
      published.push(...outcome.published);
      failed.push(
        ...outcome.failed.map((failure) => ({ id: failure.alertId, reason: failure.reason })),
      );
    }
    return { published, failed };
  }
}
