/**
 * Subscription use cases behind the CLI (and the HTTP API later): subscribe, change, unsubscribe,
 * list. Input is validated here with messages naming the field; nothing is stored when it fails.
 */
import type { Clock } from '../ports';
import {
  type Audience,
  audienceFor,
  parseEndpoint,
  parseMode,
  parseTopicIds,
  type Subscription,
  SubscriptionInputError,
  subscriptionIdFor,
} from './subscription';

export interface SubscriptionStore {
  get(id: string): Promise<Subscription | undefined>;
  /** Creates or replaces a subscription and its audience membership. */
  save(subscription: Subscription, audience: Audience, previous?: Subscription): Promise<void>;
  remove(subscription: Subscription): Promise<void>;
  list(): Promise<Subscription[]>;
  /** Every audience with at least one member: read once per cycle to route stories. */
  listAudiences(): Promise<Audience[]>;
  membersOf(audienceId: string): Promise<Subscription[]>;
}

/** Where subscriptions live on the delivery side: SNS in AWS, the outbox locally. */
export interface SubscriptionChannel {
  /**
   * Joins the endpoint to its audience. Email starts `pending` until the subscriber confirms by
   * mail (as SNS does); `target` is where the audience's messages go, `reference` the handle on
   * this membership.
   */
  join(
    subscription: Subscription,
    audience: Audience,
  ): Promise<{ status: Subscription['status']; target?: string; reference?: string }>;
  leave(subscription: Subscription): Promise<void>;
}

export interface SubscribeInput {
  endpoint: string;
  topics: readonly string[];
  mode?: string;
}

export class SubscriptionNotFoundError extends Error {
  override readonly name = 'SubscriptionNotFoundError';
}

export async function subscribe(
  input: SubscribeInput,
  deps: {
    store: SubscriptionStore;
    channel: SubscriptionChannel;
    clock: Clock;
    topicIds: ReadonlySet<string>;
  },
): Promise<{ subscription: Subscription; created: boolean; changed: boolean }> {
  const { channel: kind, address } = parseEndpoint(input.endpoint);
  const topicIds = parseTopicIds(input.topics, deps.topicIds);
  const mode = parseMode(input.mode ?? 'instant');
  const now = deps.clock.now().toISOString();
  const id = subscriptionIdFor(kind, address);
  const previous = await deps.store.get(id);
  const audience = audienceFor(kind, topicIds, mode);
  if (previous && previous.audienceId === audience.id) {
    return { subscription: previous, created: false, changed: false };
  }
  const draft: Subscription = {
    id,
    channel: kind,
    address,
    topicIds,
    mode,
    status: 'pending',
    audienceId: audience.id,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
  if (previous) await deps.channel.leave(previous);
  const joined = await deps.channel.join(draft, audience);
  const subscription: Subscription = {
    ...draft,
    status: joined.status,
    reference: joined.reference,
  };
  await deps.store.save(subscription, { ...audience, target: joined.target }, previous);
  return { subscription, created: previous === undefined, changed: true };
}

export async function unsubscribe(
  endpoint: string,
  deps: { store: SubscriptionStore; channel: SubscriptionChannel },
): Promise<Subscription> {
  const { channel: kind, address } = parseEndpoint(endpoint);
  const subscription = await deps.store.get(subscriptionIdFor(kind, address));
  if (!subscription) throw new SubscriptionNotFoundError(`no subscription for ${address}`);
  await deps.channel.leave(subscription);
  await deps.store.remove(subscription);
  return subscription;
}

export { SubscriptionInputError };
