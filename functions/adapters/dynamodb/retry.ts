/**
 * Retry of DynamoDB batch leftovers (UnprocessedKeys / UnprocessedItems): exponential back-off with
 * full jitter, bounded attempts, then a typed error so nothing is dropped silently.
 */

export class DynamoBatchIncompleteError extends Error {
  override readonly name = 'DynamoBatchIncompleteError';
}

export type Delay = (ms: number) => Promise<void>;

export const realDelay: Delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  delay: Delay;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 50,
  delay: realDelay,
};

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const ceiling = policy.baseDelayMs * 2 ** attempt;
  return Math.round(Math.random() * ceiling);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
