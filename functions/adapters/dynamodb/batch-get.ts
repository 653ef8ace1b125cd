/**
 * Every item of a set of keys, through BatchGetItem (100 keys a call): unprocessed keys are
 * retried with back-off, and keys still unprocessed after the policy's attempts raise
 * `DynamoBatchIncompleteError` rather than being dropped silently.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  backoffMs,
  chunk,
  DynamoBatchIncompleteError,
  defaultRetryPolicy,
  type RetryPolicy,
} from './retry';

const BATCH_GET_LIMIT = 100;

export async function batchGetAll(
  document: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  options: { projection?: string; retry?: RetryPolicy; consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const retry = options.retry ?? defaultRetryPolicy;
  const items: Record<string, unknown>[] = [];
  for (const keysChunk of chunk(keys, BATCH_GET_LIMIT)) {
    let pending: Record<string, unknown>[] = keysChunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= retry.maxAttempts) {
        throw new DynamoBatchIncompleteError(
          `BatchGetItem left ${pending.length} keys unprocessed after ${attempt} attempts`,
        );
      }
      if (attempt > 0) await retry.delay(backoffMs(retry, attempt));
      const result = await document.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
              ...(options.consistent ? { ConsistentRead: true } : {}),
            },
          },
        }),
      );
      items.push(...(result.Responses?.[tableName] ?? []));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return items;
}
