/**
 * Articles in DynamoDB, keyed by `articleKey` (feed id + the item's stable id). Existence is
 * checked with BatchGetItem so known items cost reads, never writes; new ones are stored with a
 * conditional put, so two pollers racing on one item store it once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import type { PreviewArticle } from '../../core/api/dashboard-api';
import type { ArticleStore, StoredArticle } from '../../core/ports';
import { batchGetAll } from './batch-get';
import { defaultRetryPolicy, type RetryPolicy } from './retry';
import { ARTICLE_DAY_INDEX } from './tables';

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
    const items = await batchGetAll(
      this.document,
      this.tableName,
      [...new Set(keys)].map((articleKey) => ({ articleKey })),
      { projection: 'articleKey', retry: this.retry },
    );
    return new Set(items.map((item) => String(item.articleKey)));
  }

  /** One UTC day's articles, newest first, at most `limit` (the byDay index). */
  async articlesOfDay(day: string, limit: number): Promise<PreviewArticle[]> {
    const articles: PreviewArticle[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.document.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: ARTICLE_DAY_INDEX,
          KeyConditionExpression: '#day = :day',
          ExpressionAttributeNames: { '#day': 'day' },
          ExpressionAttributeValues: { ':day': day },
          ScanIndexForward: false,
          Limit: Math.min(limit - articles.length, 1_000),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        articles.push({
          title: String(item.title ?? ''),
          summary: String(item.summary ?? ''),
          link: String(item.link ?? ''),
          source: String(item.source ?? ''),
          language: item.language as PreviewArticle['language'],
          firstSeen: String(item.firstSeen),
        });
      }
      start = page.LastEvaluatedKey;
    } while (start && articles.length < limit);
    return articles;
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
          // `day` keys the byDay index that topic previews read (tables.ts).
          Item: { articleKey: key, ...fields, day: article.firstSeen.slice(0, 10), expiresAt },
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
