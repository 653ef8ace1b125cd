/**
 * Subscriptions: who gets which alerts, how. A subscription is one endpoint (an email address or
 * an E.164 phone number), the topics it follows and a delivery mode. Subscribers with the same
 * channel, topics and mode form an audience: they receive exactly the same messages, so each
 * audience is one SNS topic in AWS (docs/delivery.md explains why this serves 10,000 subscribers
 * without per-subscriber filter policies) and one delivery ledger, flood window and digest queue.
 */
import { createHash } from 'node:crypto';
import * as z from '../zod';

export type Channel = 'email' | 'sms';
export type DeliveryMode = 'instant' | 'hourly' | 'daily';
export type SubscriptionStatus = 'pending' | 'confirmed';

export interface Subscription {
  id: string;
  channel: Channel;
  /** Email address (lower-cased) or E.164 phone number. */
  address: string;
  topicIds: string[];
  mode: DeliveryMode;
  status: SubscriptionStatus;
  audienceId: string;
  /** The channel's handle on this subscription (the SNS subscription ARN), to leave it later. */
  reference?: string;
  createdAt: string;
  updatedAt: string;
}

/** Subscribers who receive the same messages: same channel, same topics, same mode. */
export interface Audience {
  id: string;
  channel: Channel;
  topicIds: string[];
  mode: DeliveryMode;
  /** Where messages for the audience are published (the SNS topic ARN); set on first join. */
  target?: string;
}

export class SubscriptionInputError extends Error {
  override readonly name = 'SubscriptionInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const E164 = /^\+[1-9]\d{6,14}$/;

const endpointSchema = z.union([
  z.object({
    channel: z.literal('email'),
    address: z.email().check(z.maxLength(254), z.toLowerCase()),
  }),
  z.object({
    channel: z.literal('sms'),
    address: z.string().check(z.regex(E164, 'must be an E.164 number such as +4915112345678')),
  }),
]);

/** Reads an endpoint written by a person: an email address or an E.164 phone number. */
export function parseEndpoint(raw: string): { channel: Channel; address: string } {
  const value = raw.trim();
  const channel: Channel = value.startsWith('+') || /^\d/.test(value) ? 'sms' : 'email';
  if (channel === 'sms' && !value.startsWith('+')) {
    throw new SubscriptionInputError(
      'endpoint',
      'a phone number must be in E.164 form, starting with +',
    );
  }
  const parsed = endpointSchema.safeParse({ channel, address: value });
  if (!parsed.success) {
    throw new SubscriptionInputError(
      'endpoint',
      channel === 'sms'
        ? 'must be an E.164 number such as +4915112345678'
        : `"${value}" is not an email address`,
    );
  }
  return parsed.data;
}

export const DELIVERY_MODES: readonly DeliveryMode[] = ['instant', 'hourly', 'daily'];

export function parseMode(raw: string): DeliveryMode {
  if ((DELIVERY_MODES as readonly string[]).includes(raw)) return raw as DeliveryMode;
  throw new SubscriptionInputError('mode', `must be one of ${DELIVERY_MODES.join(', ')}`);
}

/** Checks topic ids against the tracked topics; returns them sorted and unique. */
export function parseTopicIds(raw: readonly string[], known: ReadonlySet<string>): string[] {
  const ids = [...new Set(raw.map((id) => id.trim()).filter(Boolean))].sort();
  if (ids.length === 0) throw new SubscriptionInputError('topics', 'name at least one topic');
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new SubscriptionInputError(
      'topics',
      `unknown topic${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${[...known].sort().join(', ')})`,
    );
  }
  return ids;
}

const hash = (text: string, length: number) =>
  createHash('sha256').update(text).digest('base64url').slice(0, length).replace(/[-_]/g, 'x');

/** One subscription per endpoint: subscribing again changes it. */
export function subscriptionIdFor(channel: Channel, address: string): string {
  return `sub-${hash(`${channel}:${address}`, 16)}`;
}

export function audienceFor(
  channel: Channel,
  topicIds: readonly string[],
  mode: DeliveryMode,
): Audience {
  const sorted = [...topicIds].sort();
  return {
    id: `aud-${channel}-${mode}-${hash(sorted.join(','), 12)}`,
    channel,
    topicIds: sorted,
    mode,
  };
}

/** The audiences a story with these topics goes to, instantly or into their next digest. */
export function audiencesForTopics(
  audiences: readonly Audience[],
  topicIds: readonly string[],
): Audience[] {
  const wanted = new Set(topicIds);
  return audiences.filter((audience) => audience.topicIds.some((id) => wanted.has(id)));
}
