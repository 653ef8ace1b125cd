/**
 * Local delivery: what SNS would do for an audience topic, done against the outbox. Each message
 * is written once per subscriber in the audience (one JSON line: the text that subscriber's
 * channel would get) and printed as one readable line. A line already in the outbox (same
 * delivery id and subscriber) is never written again, so a re-run after a crash sends nothing
 * twice.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AudienceMessage, AudiencePublisher } from '../core/delivery/ports';
import type { Clock } from '../core/ports';
import type { SubscriptionStore } from '../core/subscriptions/subscribe';

export class OutboxAudiencePublisher implements AudiencePublisher {
  private sent: Set<string> | undefined;

  constructor(
    private readonly options: {
      path: string;
      subscriptions: SubscriptionStore;
      clock: Clock;
      print?: (line: string) => void;
    },
  ) {}

  async publish(messages: readonly AudienceMessage[]) {
    const sent = await this.alreadySent();
    const lines: string[] = [];
    const printed: string[] = [];
    for (const message of messages) {
      const bodies = JSON.parse(message.message.message) as Record<string, string>;
      const kind = message.message.attributes.kind?.StringValue ?? 'instant';
      for (const member of await this.options.subscriptions.membersOf(message.audience.id)) {
        const key = `${message.id}/${member.id}`;
        if (sent.has(key)) continue;
        sent.add(key);
        const text = bodies[member.channel] ?? bodies.default ?? '';
        lines.push(
          JSON.stringify({
            kind,
            deliveryId: message.id,
            subscriptionId: member.id,
            channel: member.channel,
            address: member.address,
            audienceId: message.audience.id,
            sentAt: this.options.clock.now().toISOString(),
            subject: message.message.subject,
            text,
            attributes: Object.fromEntries(
              Object.entries(message.message.attributes).map(([name, value]) => [
                name,
                value.StringValue,
              ]),
            ),
          }),
        );
        printed.push(
          `${kind.toUpperCase()} -> ${member.channel} ${member.address}: ${member.channel === 'sms' ? text : message.message.subject}`,
        );
      }
    }
    if (lines.length > 0) {
      await mkdir(dirname(this.options.path), { recursive: true });
      await appendFile(this.options.path, `${lines.join('\n')}\n`);
    }
    for (const line of printed) this.options.print?.(line);
    return { published: messages.map((message) => message.id), failed: [] };
  }

  private async alreadySent(): Promise<Set<string>> {
    if (this.sent) return this.sent;
    const sent = new Set<string>();
    const content = await readFile(this.options.path, 'utf8').catch(() => '');
    for (const line of content.split('\n')) {
      if (!line.trim()) continue;
      try {
        const record = JSON.parse(line) as { deliveryId?: string; subscriptionId?: string };
        if (record.deliveryId && record.subscriptionId) {
          sent.add(`${record.deliveryId}/${record.subscriptionId}`);
        }
      } catch {
        // A line cut short by a crash: the delivery it held is sent again.
      }
    }
    this.sent = sent;
    return sent;
  }
}
