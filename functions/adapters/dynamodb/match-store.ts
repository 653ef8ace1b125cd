/**
 * Match records, one per (article, topic): the ledger that keeps an article from alerting twice
 * for a topic. A match is written `pending` with a conditional put before its alert is published
 * and marked `alerted` after; a crash in between leaves it pending, and the re-run publishes it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TopicMatch } from '../../core/model';
import type { MatchStore } from '../../core/ports';

export interface MatchStoreOptions {
  retentionDays: number;
}

export class DynamoMatchStore implements MatchStore {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: MatchStoreOptions,
  ) {}

  async recordPending(
    articleKey: string,
    matches: readonly TopicMatch[],
    now: Date,
  ): Promise<TopicMatch[]> {
    const needAlert: TopicMatch[] = [];
    const expiresAt = Math.floor(now.getTime() / 1000) + this.options.retentionDays * 86_400;
    for (const match of matches) {
      try {
        await this.document.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              articleKey,
              topicId: match.topicId,
              terms: match.terms,
              status: 'pending',
              matchedAt: now.toISOString(),
              expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(articleKey)',
          }),
        );
        needAlert.push(match);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const existing = await this.document.send(
          new GetCommand({
            TableName: this.tableName,
            Key: { articleKey, topicId: match.topicId },
            ConsistentRead: true,
          }),
        );
        if (existing.Item?.status === 'pending') needAlert.push(match);
      }
    }
    return needAlert;
  }

  async markAlerted(
    articleKey: string,
    topicIds: readonly string[],
    alertId: string,
    now: Date,
  ): Promise<void> {
    for (const topicId of topicIds) {
      await this.document.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { articleKey, topicId },
          UpdateExpression: 'SET #status = :alerted, alertId = :alertId, alertedAt = :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':alerted': 'alerted',
            ':alertId': alertId,
            ':now': now.toISOString(),
          },
        }),
      );
    }
  }
}
