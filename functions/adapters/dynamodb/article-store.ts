/**
 * Articles in DynamoDB, keyed by `articleKey` (feed id + the item's stable id). Existence is
 * checked with BatchGetItem so known items cost reads, never writes; new ones are stored with a
 * conditional put, so two pollers racing on one item store it once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { ArticleStore, StoredArticle } from '../../core/ports';
import {
  backoffMs,
  chunk,
  DynamoBatchIncompleteError,
  defaultRetryPolicy,
  type RetryPolicy,
} from './retry';

const BATCH_GET_LIMIT = 100;
const PUT_CONCURRENCY = 8;

export interface ArticleStoreOptions {
  retentionDays: number;
  retry?: RetryPolicy;
}

export class DynamoArticleStore implements ArticleStore {
  private readonly retry: RetryPolicy;

  constructor(
    private readonly document: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: ArticleStoreOptions,
  ) {
    this.retry = options.retry ?? defaultRetryPolicy;
  }

  async findExisting(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const keysChunk of chunk([...new Set(keys)], BATCH_GET_LIMIT)) {
      let pending: Record<string, unknown>[] = keysChunk.map((articleKey) => ({ articleKey }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= this.retry.maxAttempts) {
          throw new DynamoBatchIncompleteError(
            `BatchGetItem left ${pending.length} keys unprocessed after ${attempt} attempts`,
          );
        }
        if (attempt > 0) await this.retry.delay(backoffMs(this.retry, attempt));
        const result = await this.document.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: { Keys: pending, ProjectionExpression: 'articleKey' },
            },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          found.add(String(item.articleKey));
        }
        pending = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<
          string,
          unknown
        >[];
      }
    }
    return found;
  }

  async addArticles(articles: readonly StoredArticle[]): Promise<string[]> {
    const limit = pLimit(PUT_CONCURRENCY);
    const written = await Promise.all(
      articles.map((article) => limit(() => this.addArticle(article))),
    );
    return written.filter((key): key is string => key !== undefined);
  }

  private async addArticle(article: StoredArticle): Promise<string | undefined> {
    const { key, ...fields } = article;
    const expiresAt =
      Math.floor(Date.parse(article.firstSeen) / 1000) + this.options.retentionDays * 86_400;
    try {
      await this.document.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { articleKey: key, ...fields, expiresAt },
          ConditionExpression: 'attribute_not_exists(articleKey)',
        }),
      );
      return key;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
