/**
 * Feeds and their poll state in DynamoDB. Due feeds are found through the `due` GSI, one Query
 * per shard (`dueShard` = hash of the feed id mod FEED_DUE_SHARDS), never a Scan.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isDueAt } from '../../core/feeds/poll-schedule';
import type { Feed, FeedConfig, FeedPollState } from '../../core/model';
import type { FeedStore } from '../../core/ports';
import { queryAll } from './query-all';
import { FEED_DUE_INDEX, FEED_DUE_SHARDS } from './tables';

export function dueShardFor(feedId: string): string {
  const shard = createHash('sha256').update(feedId).digest().readUInt32BE(0) % FEED_DUE_SHARDS;
  return `due#${shard}`;
}

export class DynamoFeedStore implements FeedStore {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listDueFeeds(now: Date): Promise<Feed[]> {
    const feeds: Feed[] = [];
    for (let shard = 0; shard < FEED_DUE_SHARDS; shard++) {
      const items = await queryAll(this.document, {
        TableName: this.tableName,
        IndexName: FEED_DUE_INDEX,
        KeyConditionExpression: 'dueShard = :shard AND nextPollAt <= :now',
        ExpressionAttributeValues: { ':shard': `due#${shard}`, ':now': now.toISOString() },
      });
      // The index finds feeds past their first due time; only those in a due window are polled,
      // so a quiet feed is fetched once per interval without writing (see poll-schedule).
      for (const item of items) {
        const feed = toFeed(item);
        if (isDueAt(feed, now)) feeds.push(feed);
      }
    }
    return feeds;
  }

  /** Every feed with its health, for the dashboard: a Query per due-shard, never a Scan. */
  async listFeeds(): Promise<Feed[]> {
    const shards = await Promise.all(
      Array.from({ length: FEED_DUE_SHARDS }, (_, shard) =>
        queryAll(this.document, {
          TableName: this.tableName,
          IndexName: FEED_DUE_INDEX,
          KeyConditionExpression: 'dueShard = :shard',
          ExpressionAttributeValues: { ':shard': `due#${shard}` },
        }),
      ),
    );
    return shards.flat().map(toFeed);
  }

  async getFeed(feedId: string): Promise<Feed | undefined> {
    const { Item } = await this.document.send(
      // Strongly consistent: the poll state a worker starts from is the last one saved.
      new GetCommand({ TableName: this.tableName, Key: { feedId }, ConsistentRead: true }),
    );
    return Item ? toFeed(Item) : undefined;
  }

  async addFeeds(configs: readonly FeedConfig[], now: Date): Promise<number> {
    let added = 0;
    for (const config of configs) {
      try {
        await this.document.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              feedId: config.id,
              url: config.url,
              name: config.name,
              language: config.language,
              dueShard: dueShardFor(config.id),
              nextPollAt: now.toISOString(),
              consecutiveErrors: 0,
            },
            ConditionExpression: 'attribute_not_exists(feedId)',
          }),
        );
        added++;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return added;
  }

  async savePollState(feedId: string, state: FeedPollState): Promise<void> {
    const set: string[] = ['consecutiveErrors = :errors', 'nextPollAt = :next'];
    const remove: string[] = [];
    const values: Record<string, unknown> = {
      ':errors': state.consecutiveErrors,
      ':next': state.nextPollAt,
    };
    const optional = {
      etag: state.etag,
      lastModified: state.lastModified,
      lastSuccessAt: state.lastSuccessAt,
      lastError: state.lastError,
      intervalMs: state.intervalMs,
      dueWindowMs: state.dueWindowMs,
      learnedIntervalMs: state.learnedIntervalMs,
      lastNewItemsAt: state.lastNewItemsAt,
    };
    for (const [name, value] of Object.entries(optional)) {
      if (value === undefined) remove.push(name);
      else {
        set.push(`${name} = :${name}`);
        values[`:${name}`] = value;
      }
    }
    await this.document.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { feedId },
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ExpressionAttributeValues: values,
        // A feed removed while it was being polled is not brought back by its poll state.
        ConditionExpression: 'attribute_exists(feedId)',
      }),
    );
  }
}

function toFeed(item: Record<string, unknown>): Feed {
  return {
    id: String(item.feedId),
    url: String(item.url),
    name: String(item.name),
    language: item.language as Feed['language'],
    etag: item.etag as string | undefined,
    lastModified: item.lastModified as string | undefined,
    lastSuccessAt: item.lastSuccessAt as string | undefined,
    consecutiveErrors: Number(item.consecutiveErrors ?? 0),
    lastError: item.lastError as string | undefined,
    nextPollAt: String(item.nextPollAt),
    intervalMs: optionalNumber(item.intervalMs),
    dueWindowMs: optionalNumber(item.dueWindowMs),
    learnedIntervalMs: optionalNumber(item.learnedIntervalMs),
    lastNewItemsAt: item.lastNewItemsAt as string | undefined,
  };
}

function optionalNumber(value: unknown): number | undefined {
  return value === undefined ? undefined : Number(value);
}
