/**
 * The feed queue on SQS: due-feed messages sent with SendMessageBatch (at most 10 entries a call),
 * entries SQS did not accept and calls that failed as a whole retried with exponential back-off
 * and full jitter, the rest reported with their reason. Every message given ends up either sent
 * or in `failed`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  DueFeedMessage,
  FeedQueue,
  FeedQueueOutcome,
} from '../core/pipeline/dispatch-due-feeds';

/** SQS: at most 10 entries per SendMessageBatch. */
export const MAX_BATCH_ENTRIES = 10;
export const DEFAULT_MAX_ATTEMPTS = 4;
export const BASE_RETRY_DELAY_MS = 200;
export const MAX_RETRY_DELAY_MS = 5_000;

export interface SqsFeedQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** Tries per message, the first send included. */
  maxAttempts?: number;
  /** Waits between tries; injected so tests do not wait. */
  delay?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); injected so tests can pin delays. */
  random?: () => number;
}

interface Pending {
  message: DueFeedMessage;
  entry: SendMessageBatchRequestEntry;
  /** Why the last try failed. */
  reason?: string;
}

export class SqsFeedQueue implements FeedQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly maxAttempts: number;
  private readonly delay: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: SqsFeedQueueOptions) {
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a whole number of at least 1, got ${maxAttempts}`);
    }
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.maxAttempts = maxAttempts;
    this.delay = options.delay ?? ((ms) => sleep(ms));
    this.random = options.random ?? Math.random;
  }

  async send(messages: readonly DueFeedMessage[]): Promise<FeedQueueOutcome> {
    // Entry ids are the message's position: unique in any batch, the same on every retry, and
    // always within the characters SQS allows (feed ids might not be).
    let pending: Pending[] = messages.map((message, index) => ({
      message,
      entry: { Id: `m${index}`, MessageBody: JSON.stringify(message) },
    }));
    const failed: FeedQueueOutcome['failed'] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await this.delay(this.backoffMs(attempt - 1));
      const batches: Pending[][] = [];
      for (let start = 0; start < pending.length; start += MAX_BATCH_ENTRIES) {
        batches.push(pending.slice(start, start + MAX_BATCH_ENTRIES));
      }
      const results = await Promise.all(batches.map((batch) => this.sendBatch(batch)));
      const retry: Pending[] = [];
      for (const { retryable, permanent } of results) {
        retry.push(...retryable);
        for (const item of permanent) {
          failed.push({ feedId: item.message.feedId, reason: item.reason ?? 'rejected' });
        }
      }
      if (attempt >= this.maxAttempts) {
        for (const item of retry) {
          failed.push({ feedId: item.message.feedId, reason: item.reason ?? 'not sent' });
        }
        break;
      }
      pending = retry;
    }
    return { failed };
  }

  /** Sends one batch; sorts what failed into worth another try or not. */
  private async sendBatch(
    batch: Pending[],
  ): Promise<{ retryable: Pending[]; permanent: Pending[] }> {
    try {
      const output = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((item) => item.entry),
        }),
      );
      const byId = new Map(batch.map((item) => [item.entry.Id, item]));
      const retryable: Pending[] = [];
      const permanent: Pending[] = [];
      for (const failure of output.Failed ?? []) {
        const item = byId.get(failure.Id);
        if (!item) continue;
        item.reason = `${failure.Code}: ${failure.Message ?? 'no message'}`;
        // A sender fault (a malformed entry) fails the same way every time; the rest is SQS's.
        (failure.SenderFault ? permanent : retryable).push(item);
      }
      return { retryable, permanent };
    } catch (error) {
      // The whole call failed (throttling, network, a server fault): every entry is worth
      // another try; the last try's reason is what gets reported.
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      for (const item of batch) item.reason = reason;
      return { retryable: batch, permanent: [] };
    }
  }

  private backoffMs(retry: number): number {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, BASE_RETRY_DELAY_MS * 2 ** (retry - 1));
    return Math.round(this.random() * ceiling);
  }
}
