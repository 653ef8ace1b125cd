/**
 * Subscriptions on SNS: each audience (subscribers with the same channel, topics and mode) is one
 * SNS topic, created on first use (CreateTopic is idempotent by name); a subscriber joins it with
 * Subscribe (email: SNS mails a confirmation link and the subscription stays pending until it is
 * clicked) and leaves with Unsubscribe. No filter policy is needed: everyone in an audience gets
 * the same messages (docs/delivery.md).
 */
import {
  CreateTopicCommand,
  InvalidParameterException,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { SubscriptionChannel } from '../core/subscriptions/subscribe';
import type { Audience, Subscription } from '../core/subscriptions/subscription';

export const SMS_DISPLAY_NAME = 'NEWSALERTS';
/**
 * The audience topics are encrypted with the AWS-managed SNS key: publishers need only
 * kms:GenerateDataKey/Decrypt through SNS on it (lib/constructs/node-function.ts).
 */
export const AUDIENCE_TOPIC_KMS_KEY = 'alias/aws/sns';

export interface SnsSubscriptionChannelOptions {
  client: SNSClient;
  /** Prefix of the audience topics' names, e.g. the stack name; ≤ 200 characters. */
  topicNamePrefix: string;
  /** KMS key for the audience topics (AUDIENCE_TOPIC_KMS_KEY in AWS). */
  kmsMasterKeyId?: string;
}

export class SnsSubscriptionChannel implements SubscriptionChannel {
  constructor(private readonly options: SnsSubscriptionChannelOptions) {}

  async join(
    subscription: Subscription,
    audience: Audience,
  ): Promise<{ status: Subscription['status']; target: string; reference?: string }> {
    const topic = await this.options.client.send(
      new CreateTopicCommand({
        Name: `${this.options.topicNamePrefix}-${audience.id}`.slice(0, 256),
        // SNS puts the display name before every SMS sent through a topic; the SMS builder
        // counts this short ASCII one (SMS_DISPLAY_NAME) so each SMS stays one segment.
        Attributes: {
          DisplayName: SMS_DISPLAY_NAME,
          ...(this.options.kmsMasterKeyId ? { KmsMasterKeyId: this.options.kmsMasterKeyId } : {}),
        },
        Tags: [{ Key: 'news-alerts:audience', Value: audience.id }],
      }),
    );
    const target = topic.TopicArn ?? '';
    const subscribed = await this.options.client.send(
      new SubscribeCommand({
        TopicArn: target,
        Protocol: subscription.channel === 'email' ? 'email' : 'sms',
        Endpoint: subscription.address,
        ReturnSubscriptionArn: true,
      }),
    );
    return {
      // SMS needs no confirmation; email does, by the link SNS mails.
      status: subscription.channel === 'email' ? 'pending' : 'confirmed',
      target,
      reference: subscribed.SubscriptionArn,
    };
  }

  async leave(subscription: Subscription): Promise<void> {
    if (!subscription.reference) return;
    try {
      await this.options.client.send(
        new UnsubscribeCommand({ SubscriptionArn: subscription.reference }),
      );
    } catch (error) {
      // An email subscription never confirmed has no real ARN to remove; SNS drops it itself.
      if (error instanceof InvalidParameterException) return;
      throw error;
    }
  }
}
