/**
 * Stories in DynamoDB (`pk`, `sk`): `pk = story#<id>`, `sk = story` holds what the story's alert
 * showed, its outlets and its article count, for digests and dashboards. (The story-folding index
 * keys live in the same table under other partitions.) Expires with the articles.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoryRecord, StoryStore } from '../../core/pipeline/story-folder';
import { batchGetAll } from './batch-get';

const keyOf = (storyId: string) => ({ pk: `story#${storyId}`, sk: 'story' });

export class DynamoStoryStore implements StoryStore {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: { retentionDays: number },
  ) {}

  async save(story: StoryRecord): Promise<void> {
    try {
      await this.document.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(story.storyId),
            ...story,
            expiresAt:
              Math.floor(Date.parse(story.firstSeen) / 1000) + this.options.retentionDays * 86_400,
          },
          // A re-run after a crash must not reset the outlets copies added meanwhile.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async addCopy(
    storyId: string,
    { outlet, language }: { outlet: string; language: string },
    now: Date,
  ): Promise<void> {
    // Languages are a string set: adding one already there changes nothing.
    const languages = new Set([language]);
    await this.document
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(storyId),
          UpdateExpression:
            'SET outlets = list_append(outlets, :outlet), lastCopyAt = :now ' +
            'ADD articles :one, languages :languages',
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(outlets, :name)',
          ExpressionAttributeValues: {
            ':outlet': [outlet],
            ':name': outlet,
            ':now': now.toISOString(),
            ':one': 1,
            ':languages': languages,
          },
        }),
      )
      .catch(async (error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The outlet is listed already (or the story expired): still count the article.
        await this.document
          .send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: keyOf(storyId),
              UpdateExpression: 'ADD articles :one, languages :languages',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':one': 1, ':languages': languages },
            }),
          )
          .catch((inner: unknown) => {
            if (!(inner instanceof ConditionalCheckFailedException)) throw inner;
          });
      });
  }

  async getMany(storyIds: readonly string[]): Promise<StoryRecord[]> {
    const items = await batchGetAll(
      this.document,
      this.tableName,
      [...new Set(storyIds)].map(keyOf),
    );
    const found = new Map<string, StoryRecord>();
    for (const item of items) {
      const { pk: _pk, sk: _sk, expiresAt: _expires, languages, ...story } = item;
      found.set(String(item.storyId), {
        ...(story as unknown as StoryRecord),
        // A string set comes back as a Set; the record holds a plain, sorted list.
        ...(languages instanceof Set && { languages: [...languages].map(String).sort() }),
      });
    }
    return storyIds
      .map((id) => found.get(id))
      .filter((story): story is StoryRecord => story !== undefined);
  }
}
