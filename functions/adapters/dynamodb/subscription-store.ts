/**
 * Subscriptions and audiences in one DynamoDB table (`pk`, `sk`):
 * - `pk = subscriptions`, `sk = <subscription id>`: the subscription (get, list);
 * - `pk = audiences`, `sk = <audience id>`: the audiences with members (read once per cycle);
 * - `pk = audience#<id>`, `sk = <subscription id>`: who is in an audience (local fan-out).
 * Every read is a GetItem or a Query on one partition; no Scan.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SubscriptionStore } from '../../core/subscriptions/subscribe';
import type { Audience, Subscription } from '../../core/subscriptions/subscription';
import { queryAll } from './query-all';

const SUBSCRIPTIONS = 'subscriptions';
const AUDIENCES = 'audiences';
const membersPartition = (audienceId: string) => `audience#${audienceId}`;

export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Subscription | undefined> {
    const result = await this.document.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: SUBSCRIPTIONS, sk: id },
        ConsistentRead: true,
      }),
    );
    return result.Item ? toSubscription(result.Item) : undefined;
  }

  async save(
    subscription: Subscription,
    audience: Audience,
    previous?: Subscription,
  ): Promise<void> {
    // Audience and membership first: a subscription is never stored without the audience
    // that routes alerts to it.
    await this.put({ pk: AUDIENCES, sk: audience.id, ...audience });
    await this.put({
      pk: membersPartition(audience.id),
      sk: subscription.id,
      channel: subscription.channel,
      address: subscription.address,
    });
    await this.put({ pk: SUBSCRIPTIONS, sk: subscription.id, ...subscription });
    if (previous && previous.audienceId !== subscription.audienceId) {
      await this.leaveAudience(previous);
    }
  }

  async remove(subscription: Subscription): Promise<void> {
    await this.document.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: SUBSCRIPTIONS, sk: subscription.id },
      }),
    );
    await this.leaveAudience(subscription);
  }

  async list(): Promise<Subscription[]> {
    return (await this.queryPartition(SUBSCRIPTIONS)).map(toSubscription);
  }

  async listAudiences(): Promise<Audience[]> {
    return (await this.queryPartition(AUDIENCES)).map((item) => ({
      id: String(item.sk),
      channel: item.channel as Audience['channel'],
      topicIds: [...((item.topicIds as string[] | undefined) ?? [])],
      mode: item.mode as Audience['mode'],
      target: item.target as string | undefined,
    }));
  }

  async membersOf(audienceId: string): Promise<Subscription[]> {
    const members = await this.queryPartition(membersPartition(audienceId));
    const subscriptions = await Promise.all(members.map((member) => this.get(String(member.sk))));
    return subscriptions.filter(
      (subscription): subscription is Subscription => subscription !== undefined,
    );
  }

  /** Drops the membership, and the audience once nobody is left in it. */
  private async leaveAudience(subscription: Subscription): Promise<void> {
    const partition = membersPartition(subscription.audienceId);
    await this.document.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: partition, sk: subscription.id } }),
    );
    const remaining = await this.document.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    if ((remaining.Items ?? []).length === 0) {
      await this.document.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: AUDIENCES, sk: subscription.audienceId },
        }),
      );
    }
  }

  private async put(item: Record<string, unknown>): Promise<void> {
    await this.document.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  private queryPartition(pk: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.document, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    });
  }
}

function toSubscription(item: Record<string, unknown>): Subscription {
  return {
    id: String(item.sk),
    channel: item.channel as Subscription['channel'],
    address: String(item.address),
    topicIds: [...((item.topicIds as string[] | undefined) ?? [])],
    mode: item.mode as Subscription['mode'],
    status: item.status as Subscription['status'],
    audienceId: String(item.audienceId),
    reference: item.reference as string | undefined,
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
  };
}
