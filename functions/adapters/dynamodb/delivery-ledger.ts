/**
 * The delivery ledger in DynamoDB, one partition per audience (`audienceId`), sort keys:
 * - `story#<storyId>`: the delivery of a story (`state` pending → sent | queued | failed); while
 *   pending, `claimant` and `claimedAt` say which run holds it (a lease of CLAIM_LEASE_MS);
 * - `queue#<time>#<storyId>`: a story waiting for the audience's next digest;
 * - `sms#<hour>`: the SMS sent in that hour (`count`) and whether the flood notice went out;
 * - `digest`: when the last digest went out;
 * and partition `dead-letters` lists the deliveries parked after repeated failures, with reasons.
 * Claims and SMS slots are conditional writes; reads are GetItem or a Query on one partition.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { CLAIM_LEASE_MS, type DeliveryLedger, type DeliveryState } from '../../core/delivery/ports';
import { queryAll } from './query-all';

const storyKey = (storyId: string) => `story#${storyId}`;
/** The partition that lists parked deliveries with their reasons. */
const DEAD_LETTERS = 'dead-letters';

export class DynamoDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: {
      retentionDays: number;
      /** How long a claim holds for its claimant; CLAIM_LEASE_MS unless a test says otherwise. */
      claimLeaseMs?: number;
    },
  ) {}

  private expiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.options.retentionDays * 86_400;
  }

  async claim(
    audienceId: string,
    storyId: string,
    now: Date,
    claimant: string,
  ): Promise<'claimed' | 'in-progress' | DeliveryState> {
    const key = { audienceId, sk: storyKey(storyId) };
    try {
      await this.document.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            state: 'pending',
            claimant,
            claimedAt: now.toISOString(),
            expiresAt: this.expiresAt(now),
          },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item: existing } = await this.document.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    const state = (existing?.state as DeliveryState | undefined) ?? 'pending';
    if (state !== 'pending') return state;
    const holder = existing?.claimant as string | undefined;
    if (holder === claimant) return 'pending';
    const claimedAt = Date.parse(String(existing?.claimedAt ?? ''));
    const leaseHeld =
      holder !== undefined &&
      now.getTime() - claimedAt < (this.options.claimLeaseMs ?? CLAIM_LEASE_MS);
    if (leaseHeld) return 'in-progress';
    // Released, or left by a run that died: taken over, by one run only (the condition).
    try {
      await this.document.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET claimant = :claimant, claimedAt = :now',
          ConditionExpression:
            holder === undefined
              ? '#state = :pending AND attribute_not_exists(claimant)'
              : '#state = :pending AND claimant = :holder',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':claimant': claimant,
            ':now': now.toISOString(),
            ':pending': 'pending',
            ...(holder === undefined ? {} : { ':holder': holder }),
          },
        }),
      );
      return 'pending';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'in-progress';
      throw error;
    }
  }

  async release(audienceId: string, storyId: string, claimant: string): Promise<void> {
    await this.updateIf({
      TableName: this.tableName,
      Key: { audienceId, sk: storyKey(storyId) },
      UpdateExpression: 'REMOVE claimant',
      ConditionExpression: '#state = :pending AND claimant = :claimant',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':pending': 'pending', ':claimant': claimant },
    });
  }

  markSent(audienceId: string, storyId: string, now: Date): Promise<void> {
    return this.setState(audienceId, storyId, 'sent', now);
  }

  async queueForDigest(
    audienceId: string,
    storyId: string,
    reason: string,
    now: Date,
  ): Promise<void> {
    // The queue entry first: a crash between the two leaves the story queued, never lost.
    await this.document.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          audienceId,
          sk: `queue#${now.toISOString()}#${storyId}`,
          storyId,
          reason,
          expiresAt: this.expiresAt(now),
        },
      }),
    );
    await this.setState(audienceId, storyId, 'queued', now, reason);
  }

  async recordAttemptFailure(
    audienceId: string,
    storyId: string,
    reason: string,
    now: Date,
  ): Promise<number> {
    const result = await this.document.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { audienceId, sk: storyKey(storyId) },
        // The attempt is over: the claim is released for the next cycle's retry.
        UpdateExpression:
          'SET lastError = :reason, updatedAt = :now ADD attempts :one REMOVE claimant',
        ExpressionAttributeValues: { ':reason': reason, ':now': now.toISOString(), ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.attempts ?? 1);
  }

  async markFailed(audienceId: string, storyId: string, reason: string, now: Date): Promise<void> {
    // The dead letter first: a delivery is never parked without a record saying why.
    await this.document.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          audienceId: DEAD_LETTERS,
          sk: `${now.toISOString()}#${audienceId}#${storyId}`,
          deliveryAudienceId: audienceId,
          storyId,
          reason,
          at: now.toISOString(),
        },
      }),
    );
    await this.setState(audienceId, storyId, 'failed', now, reason);
  }

  async deadLetters(): Promise<
    { audienceId: string; storyId: string; reason: string; at: string }[]
  > {
    const items = await queryAll(this.document, {
      TableName: this.tableName,
      KeyConditionExpression: 'audienceId = :dead',
      ExpressionAttributeValues: { ':dead': DEAD_LETTERS },
    });
    return items.map((item) => ({
      audienceId: String(item.deliveryAudienceId),
      storyId: String(item.storyId),
      reason: String(item.reason),
      at: String(item.at),
    }));
  }

  async queuedStories(audienceId: string): Promise<{ storyId: string; queuedAt: string }[]> {
    const items = await this.queuedItems(audienceId);
    return items.map((item) => ({
      storyId: String(item.storyId),
      queuedAt: String(item.sk).slice('queue#'.length, 'queue#'.length + 24),
    }));
  }

  async clearQueued(audienceId: string, storyIds: readonly string[]): Promise<void> {
    const wanted = new Set(storyIds);
    const queued = await this.queuedItems(audienceId);
    for (const item of queued) {
      if (!wanted.has(String(item.storyId))) continue;
      await this.document.send(
        new DeleteCommand({ TableName: this.tableName, Key: { audienceId, sk: item.sk } }),
      );
    }
  }

  takeSmsSlot(audienceId: string, hour: string, cap: number): Promise<boolean> {
    return this.updateIf({
      TableName: this.tableName,
      Key: { audienceId, sk: `sms#${hour}` },
      UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :cap',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: {
        ':one': 1,
        ':cap': cap,
        ':expires': Math.floor(Date.parse(`${hour}:00:00Z`) / 1000) + 2 * 86_400,
      },
    });
  }

  claimFloodNotice(audienceId: string, hour: string): Promise<boolean> {
    return this.updateIf({
      TableName: this.tableName,
      Key: { audienceId, sk: `sms#${hour}` },
      UpdateExpression: 'SET noticeSent = :yes',
      ConditionExpression: 'attribute_not_exists(noticeSent)',
      ExpressionAttributeValues: { ':yes': true },
    });
  }

  /** A conditional update: true when it was applied, false when its condition did not hold. */
  private async updateIf(input: UpdateCommandInput): Promise<boolean> {
    try {
      await this.document.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private queuedItems(audienceId: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.document, {
      TableName: this.tableName,
      KeyConditionExpression: 'audienceId = :audience AND begins_with(sk, :queue)',
      ExpressionAttributeValues: { ':audience': audienceId, ':queue': 'queue#' },
      ConsistentRead: true,
    });
  }

  async lastDigestAt(audienceId: string): Promise<string | undefined> {
    const result = await this.document.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { audienceId, sk: 'digest' },
        ConsistentRead: true,
      }),
    );
    return result.Item?.at as string | undefined;
  }

  async recordDigest(audienceId: string, at: Date): Promise<void> {
    await this.document.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { audienceId, sk: 'digest', at: at.toISOString() },
      }),
    );
  }

  private async setState(
    audienceId: string,
    storyId: string,
    state: DeliveryState,
    now: Date,
    reason?: string,
  ): Promise<void> {
    await this.document.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { audienceId, sk: storyKey(storyId) },
        UpdateExpression: `SET #state = :state, updatedAt = :now${reason ? ', reason = :reason' : ''}`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': state,
          ':now': now.toISOString(),
          ...(reason ? { ':reason': reason } : {}),
        },
      }),
    );
  }
}
