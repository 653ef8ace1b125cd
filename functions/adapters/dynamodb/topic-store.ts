/**
 * Tracked topics and their shared alias groups in DynamoDB: one partition each (`scope` =
 * TOPIC_SCOPE or ALIAS_SCOPE), one item per topic or alias, read with a Query. They are read
 * once per cycle and compiled again only when they changed.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
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
    return (await this.queryScope(TOPIC_SCOPE)).map(toTopic);
  }

  async getTopic(id: string): Promise<Topic | undefined> {
    const { Item } = await this.document.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { scope: TOPIC_SCOPE, topicId: id },
        ConsistentRead: true,
      }),
    );
    return Item ? toTopic(Item) : undefined;
  }

  createTopic(topic: Topic): Promise<boolean> {
    return this.conditionalPut(topicItem(topic), 'attribute_not_exists(topicId)');
  }

  replaceTopic(topic: Topic): Promise<boolean> {
    return this.conditionalPut(topicItem(topic), 'attribute_exists(topicId)');
  }

  async deleteTopic(id: string): Promise<boolean> {
    try {
      await this.document.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { scope: TOPIC_SCOPE, topicId: id },
          ConditionExpression: 'attribute_exists(topicId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async conditionalPut(item: Record<string, unknown>, condition: string): Promise<boolean> {
    try {
      await this.document.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: condition }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  addTopics(topics: readonly Topic[]): Promise<number> {
    return this.putAbsent(topics.map(topicItem));
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
      if (await this.conditionalPut(item, 'attribute_not_exists(topicId)')) added++;
    }
    return added;
  }
}

function topicItem(topic: Topic): Record<string, unknown> {
  return {
    scope: TOPIC_SCOPE,
    topicId: topic.id,
    name: topic.name,
    description: topic.description,
    query: topic.query,
  };
}

function toTopic(item: Record<string, unknown>): Topic {
  return {
    id: String(item.topicId),
    name: String(item.name),
    description: String(item.description ?? ''),
    query: String(item.query),
  };
}
