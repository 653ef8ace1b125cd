/**
 * Tracked topics and their shared alias groups in DynamoDB: one partition each (`scope` =
 * TOPIC_SCOPE or ALIAS_SCOPE), one item per topic or alias, read with a Query. They are read
 * once per cycle and compiled again only when they changed.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Topic } from '../../core/model';
import type { TopicStore } from '../../core/ports';
import { queryAll } from './query-all';
import { ALIAS_SCOPE, TOPIC_SCOPE } from './tables';

export class DynamoTopicStore implements TopicStore {
  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async listTopics(): Promise<Topic[]> {
    return (await this.queryScope(TOPIC_SCOPE)).map((item) => ({
      id: String(item.topicId),
      name: String(item.name),
      description: String(item.description ?? ''),
      query: String(item.query),
    }));
  }

  addTopics(topics: readonly Topic[]): Promise<number> {
    return this.putAbsent(
      topics.map((topic) => ({
        scope: TOPIC_SCOPE,
        topicId: topic.id,
        name: topic.name,
        description: topic.description,
        query: topic.query,
      })),
    );
  }

  async listAliases(): Promise<Record<string, string>> {
    const items = await this.queryScope(ALIAS_SCOPE);
    return Object.fromEntries(items.map((item) => [String(item.topicId), String(item.query)]));
  }

  addAliases(aliases: Readonly<Record<string, string>>): Promise<number> {
    return this.putAbsent(
      Object.entries(aliases).map(([name, query]) => ({
        scope: ALIAS_SCOPE,
        topicId: name,
        query,
      })),
    );
  }

  private queryScope(scope: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.document, {
      TableName: this.tableName,
      KeyConditionExpression: '#scope = :scope',
      ExpressionAttributeNames: { '#scope': 'scope' },
      ExpressionAttributeValues: { ':scope': scope },
    });
  }

  /** Conditional puts: an item edited since it was seeded is never overwritten. */
  private async putAbsent(items: readonly Record<string, unknown>[]): Promise<number> {
    let added = 0;
    for (const item of items) {
      try {
        await this.document.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
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
