/**
 * The dashboards' read model (core/dashboard/topic-activity.ts) in the stories table, one
 * partition per topic (`pk = activity#<topicId>`):
 * - `sk = day#YYYY-MM-DD`: `articles` and `stories` counters, incremented with ADD;
 * - `sk = story#<firstSeen>#<storyId>`: a story of the topic with its matched terms, so a Query
 *   in reverse sort order pages the topic's stories newest first.
 * Everything expires with the stories (`retentionDays`).
 */
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  InvalidCursorError,
  type TopicActivityStore,
  type TopicDay,
  type TopicStoryPage,
} from '../../core/dashboard/topic-activity';
import { queryAll } from './query-all';

const partition = (topicId: string) => `activity#${topicId}`;
const DAY = 'day#';
const STORY = 'story#';

export class DynamoTopicActivityStore implements TopicActivityStore {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: { retentionDays: number },
  ) {}

  async record(
    day: string,
    matches: readonly { topicId: string; terms: readonly string[] }[],
    newStory?: { storyId: string; firstSeen: string },
  ): Promise<void> {
    const expiresAt =
      Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + (this.options.retentionDays + 1) * 86_400;
    await Promise.all(
      matches.map(async ({ topicId, terms }) => {
        await this.document.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: partition(topicId), sk: `${DAY}${day}` },
            UpdateExpression: 'ADD articles :one, stories :story SET expiresAt = :expiresAt',
            ExpressionAttributeValues: {
              ':one': 1,
              ':story': newStory ? 1 : 0,
              ':expiresAt': expiresAt,
            },
          }),
        );
        if (!newStory) return;
        // A plain put: a re-run after a crash writes the same item again.
        await this.document.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: partition(topicId),
              sk: `${STORY}${newStory.firstSeen}#${newStory.storyId}`,
              storyId: newStory.storyId,
              firstSeen: newStory.firstSeen,
              terms: [...terms],
              expiresAt,
            },
          }),
        );
      }),
    );
  }

  async days(topicId: string, fromDay: string, toDay: string): Promise<TopicDay[]> {
    const items = await queryAll(this.document, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': partition(topicId),
        ':from': `${DAY}${fromDay}`,
        ':to': `${DAY}${toDay}`,
      },
    });
    return items.map((item) => ({
      day: String(item.sk).slice(DAY.length),
      articles: Number(item.articles ?? 0),
      stories: Number(item.stories ?? 0),
    }));
  }

  async stories(
    topicId: string,
    { limit, cursor }: { limit: number; cursor?: string },
  ): Promise<TopicStoryPage> {
    const result = await this.document.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :story)',
        ExpressionAttributeValues: { ':pk': partition(topicId), ':story': STORY },
        ScanIndexForward: false,
        Limit: limit,
        ...(cursor !== undefined && {
          ExclusiveStartKey: { pk: partition(topicId), sk: decodeCursor(cursor) },
        }),
      }),
    );
    const entries = (result.Items ?? []).map((item) => ({
      storyId: String(item.storyId),
      firstSeen: String(item.firstSeen),
      terms: Array.isArray(item.terms) ? item.terms.map(String) : [],
    }));
    const last = result.LastEvaluatedKey?.sk;
    return {
      entries,
      ...(typeof last === 'string' && { nextCursor: encodeCursor(last) }),
    };
  }
}

function encodeCursor(sortKey: string): string {
  return Buffer.from(sortKey, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const sortKey = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!sortKey.startsWith(STORY) || encodeCursor(sortKey) !== cursor) {
    throw new InvalidCursorError('not a cursor this API returned');
  }
  return sortKey;
}
