/**
 * Subscriptions in local runs: joining or leaving an audience is written to the outbox (as the
 * mails SNS would send), and email subscriptions count as confirmed at once, since no mail can be
 * clicked locally.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Clock } from '../core/ports';
import type { SubscriptionChannel } from '../core/subscriptions/subscribe';
import type { Audience, Subscription } from '../core/subscriptions/subscription';

export class OutboxSubscriptionChannel implements SubscriptionChannel {
  constructor(
    private readonly outboxPath: string,
    private readonly clock: Clock,
  ) {}

  async join(subscription: Subscription, audience: Audience) {
    await this.record('subscribed', subscription, audience.id);
    return { status: 'confirmed' as const, target: `outbox:${audience.id}` };
  }

  async leave(subscription: Subscription): Promise<void> {
    await this.record('unsubscribed', subscription, subscription.audienceId);
  }

  private async record(event: string, subscription: Subscription, audienceId: string) {
    await mkdir(dirname(this.outboxPath), { recursive: true });
    const line = {
      kind: 'subscription',
      event,
      at: this.clock.now().toISOString(),
      subscriptionId: subscription.id,
      channel: subscription.channel,
      address: subscription.address,
      topicIds: subscription.topicIds,
      mode: subscription.mode,
      audienceId,
    };
    await appendFile(this.outboxPath, `${JSON.stringify(line)}\n`);
  }
}
