/**
 * The story-folding index in DynamoDB (the stories table): each article that joined a story is
 * stored once as a member (`pk = member#<articleId>`: its story, signature, URL key, topics), and
 * under each of its lookup keys as a small pointer (`pk = key#<key>`, `sk = <articleId>`). A
 * lookup is one Query per key (in parallel) and one BatchGetItem of the members found, each once.
 * Everything expires with the story window (plus a day), so the index stays small.
 */
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { STORY_WINDOW_HOURS } from '../../core/stories/story-fingerprint';
import type { StoryCandidate, StoryIndex, StoryMember } from '../../core/stories/story-folding';
import { batchGetAll } from './batch-get';
import {
  backoffMs,
  chunk,
  DynamoBatchIncompleteError,
  defaultRetryPolicy,
  type RetryPolicy,
} from './retry';

const QUERY_CONCURRENCY = 16;
/** The counter new stories take their number from (story-folding.ts, "settled"). */
const SEQUENCE_KEY = { pk: 'story-sequence', sk: 'counter' };
const memberKey = (articleId: string) => ({ pk: `member#${articleId}`, sk: 'member' });

export class DynamoStoryIndex implements StoryIndex {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retry: RetryPolicy = defaultRetryPolicy,
  ) {}

  async findCandidates(
    keys: readonly string[],
    options: { consistent?: boolean } = {},
  ): Promise<StoryCandidate[]> {
    const limit = pLimit(QUERY_CONCURRENCY);
    const pointers = await Promise.all(
      [...new Set(keys)].map((key) =>
        limit(async () => {
          const page = await this.document.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': `key#${key}` },
              ProjectionExpression: 'sk',
              ...(options.consistent && { ConsistentRead: true }),
            }),
          );
          // Expired pointers DynamoDB has not deleted yet still come back; the fold drops
          // candidates outside the story window by their first-seen time.
          return (page.Items ?? []).map((item) => String(item.sk));
        }),
      ),
    );
    const articleIds = [...new Set(pointers.flat())];
    const items = await batchGetAll(this.document, this.tableName, articleIds.map(memberKey), {
      retry: this.retry,
      consistent: options.consistent,
    });
    const members: StoryCandidate[] = items.map((item) => ({
      storyId: String(item.storyId),
      articleId: String(item.articleId),
      firstSeen: String(item.firstSeen),
      urlKey: item.urlKey as string | undefined,
      signature: (item.signature as number[] | undefined) ?? [],
      topicIds: (item.topicIds as string[] | undefined) ?? [],
      ...(typeof item.seq === 'number' && { seq: item.seq }),
      ...(item.claiming === true && { claiming: true }),
    }));
    return members;
  }

  async takeSequence(articleId: string): Promise<number> {
    const { Attributes } = await this.document.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: SEQUENCE_KEY,
        UpdateExpression: 'ADD #n :one',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Number(Attributes?.n);
    await this.document.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: memberKey(articleId),
        UpdateExpression: 'SET seq = :seq REMOVE claiming',
        ExpressionAttributeValues: { ':seq': seq },
      }),
    );
    return seq;
  }

  async joinStory(
    articleId: string,
    story: Pick<StoryMember, 'storyId' | 'firstSeen' | 'seq'>,
  ): Promise<void> {
    await this.document.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: memberKey(articleId),
        UpdateExpression:
          story.seq === undefined
            ? 'SET storyId = :story, firstSeen = :firstSeen REMOVE claiming, seq'
            : 'SET storyId = :story, firstSeen = :firstSeen, seq = :seq REMOVE claiming',
        ExpressionAttributeValues: {
          ':story': story.storyId,
          ':firstSeen': story.firstSeen,
          ...(story.seq !== undefined && { ':seq': story.seq }),
        },
      }),
    );
  }

  async addMember(member: StoryMember, keys: readonly string[]): Promise<void> {
    const expiresAt =
      Math.floor(Date.parse(member.firstSeen) / 1000) + (STORY_WINDOW_HOURS + 24) * 3600;
    // The member first: a pointer never leads to a member that is missing.
    await this.document.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...memberKey(member.articleId), ...member, expiresAt },
      }),
    );
    const requests = [...new Set(keys)].map((key) => ({
      PutRequest: { Item: { pk: `key#${key}`, sk: member.articleId, expiresAt } },
    }));
    for (const batch of chunk(requests, 25)) {
      let pending = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.retry.maxAttempts) {
          throw new DynamoBatchIncompleteError(
            `story keys left unwritten after ${attempt} attempts`,
          );
        }
        if (attempt > 0) await this.retry.delay(backoffMs(this.retry, attempt));
        const result = await this.document.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
        );
        pending = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof batch;
      }
    }
  }
}
