/**
 * Tracked topics in DynamoDB: one partition (`scope` = TOPIC_SCOPE), one item per topic, read with
 * a Query. Topics are few (thousands at most per scope) and read once per cycle, then compiled.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Topic } from '../../core/model';
import type { TopicStore } from '../../core/ports';
import { TOPIC_SCOPE } from './tables';

export class DynamoTopicStore implements TopicStore {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listTopics(): Promise<Topic[]> {
    const topics: Topic[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.document.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#scope = :scope',
          ExpressionAttributeNames: { '#scope': 'scope' },
          ExpressionAttributeValues: { ':scope': TOPIC_SCOPE },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        topics.push({
          id: String(item.topicId),
          name: String(item.name),
          description: String(item.description ?? ''),
          query: String(item.query),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return topics;
  }

  async addTopics(topics: readonly Topic[]): Promise<number> {
    let added = 0;
    for (const topic of topics) {
      try {
        await this.document.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              scope: TOPIC_SCOPE,
              topicId: topic.id,
              name: topic.name,
              description: topic.description,
              query: topic.query,
            },
            ConditionExpression: 'attribute_not_exists(topicId)',
          }),
        );
        added++;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return added;
  }
}
