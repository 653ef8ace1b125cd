/**
 * Publishes messages the core built per protocol (`MessageStructure: 'json'`) to one SNS topic
 * with PublishBatch: batches within the SNS limits (10 entries, 256 KiB), failed entries and
 * transient errors retried with back-off, permanent errors reported with their reason. Every
 * message given ends up either in `published` or in `failed`; none is dropped silently.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchCommandOutput,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { SnsMessage } from '../core/alerts/alert-message';

/** SNS: at most 10 entries per PublishBatch. */
export const MAX_BATCH_ENTRIES = 10;
/** SNS default for one message and for a whole batch, message attributes included. */
export const MAX_PAYLOAD_BYTES = 262_144;
/** SNS batch entry ids: 1 to 80 of these characters, unique within the batch. */
export const MAX_BATCH_ENTRY_ID_LENGTH = 80;
export const DEFAULT_MAX_ATTEMPTS = 4;
export const BASE_RETRY_DELAY_MS = 200;
export const MAX_RETRY_DELAY_MS = 10_000;
/**
 * How long one PublishBatch may take before it is abandoned and tried again. The SDK's default
 * waits up to 5 minutes for a silent connection, past the functions' timeouts.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface SnsBatchPublisherOptions {
  client: SNSClient;
  topicArn: string;
  /** Tries per message, the first send included. */
  maxAttempts?: number;
  /** Deadline of one PublishBatch call (ms). */
  requestTimeoutMs?: number;
  /** Waits between tries; injected so tests do not wait. */
  delay?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); injected so tests can pin delays. */
  random?: () => number;
}

/** A message built by `buildSnsMessage` or `buildDigestMessage`, with the id outcomes report. */
export interface StructuredMessage extends SnsMessage {
  id: string;
}

export interface BatchPublishOutcome {
  /** Ids of the messages SNS accepted. */
  published: string[];
  /** Messages not sent, or not accepted after retries, with the reason. */
  failed: { id: string; reason: string }[];
}

/** One message on its way: the request entry and what we know about its last try. */
interface PendingEntry {
  id: string;
  request: PublishBatchRequestEntry;
  bytes: number;
  /** Sent in a batch of its own, after SNS said a batch we measured was too long. */
  alone: boolean;
}

interface EntryFailure {
  entry: PendingEntry;
  reason: string;
  retryable: boolean;
}

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** Errors worth another try: throttling, server faults, and the network. */
const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSThrottlingException',
  'InternalErrorException',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
/** Per-entry failure codes that are throttling even when SNS flags them as the sender's fault. */
const THROTTLING_ENTRY_CODE = /throttl|toomanyrequests|ratelimit|limitexceeded/i;

export class SnsBatchPublisher {
  private readonly client: SNSClient;
  private readonly topicArn: string;
  private readonly maxAttempts: number;
  private readonly requestTimeoutMs: number;
  private readonly delay: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: SnsBatchPublisherOptions) {
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a whole number of at least 1, got ${maxAttempts}`);
    }
    this.client = options.client;
    this.topicArn = options.topicArn;
    this.maxAttempts = maxAttempts;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.delay = options.delay ?? ((ms) => sleep(ms));
    this.random = options.random ?? Math.random;
  }

  /**
   * Publishes each distinct message once, as built: a JSON message cannot be cut to size without
   * breaking it, so one past the SNS limit, or one without the `default` text SNS requires, is
   * reported as failed and not sent.
   */
  async publish(messages: readonly StructuredMessage[]): Promise<BatchPublishOutcome> {
    const outcome: BatchPublishOutcome = { published: [], failed: [] };
    const entries: PendingEntry[] = [];
    const seen = new Set<string>();
    const batchIds = new Set<string>();
    for (const message of messages) {
      // A repeated message would reach subscribers twice.
      if (seen.has(message.id)) {
        continue;
      }
      seen.add(message.id);
      // Unique across the whole call, so unique within any batch and through every retry.
      const batchId = uniqueBatchId(batchEntryIdFor(message.id), batchIds);
      batchIds.add(batchId);
      const request: PublishBatchRequestEntry = {
        Id: batchId,
        Subject: message.subject,
        Message: message.message,
        MessageStructure: 'json',
        MessageAttributes: message.attributes,
      };
      const problem = structuredMessageProblem(request);
      if (problem !== undefined) {
        outcome.failed.push({ id: message.id, reason: problem });
        continue;
      }
      entries.push({ id: message.id, request, bytes: entryBytes(request), alone: false });
    }
    await this.sendWithRetries(entries, outcome);
    return outcome;
  }

  /** Sends entries in batches until each has succeeded or failed for good; records both. */
  private async sendWithRetries(
    entries: PendingEntry[],
    outcome: BatchPublishOutcome,
  ): Promise<void> {
    let pending = entries;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      if (attempt > 1) {
        await this.delay(this.backoffMs(attempt - 1));
      }
      const retry: PendingEntry[] = [];
      for (const batch of splitIntoBatches(pending)) {
        const failures = await this.sendBatch(batch, outcome);
        for (const { entry, reason, retryable } of failures) {
          if (retryable && attempt < this.maxAttempts) {
            retry.push(entry);
          } else {
            const tries = retryable ? ` (after ${attempt} attempts)` : '';
            outcome.failed.push({ id: entry.id, reason: `${reason}${tries}` });
          }
        }
      }
      pending = retry;
    }
  }

  /** Sends one batch; records successes and returns the entries that failed. */
  private async sendBatch(
    batch: PendingEntry[],
    outcome: BatchPublishOutcome,
  ): Promise<EntryFailure[]> {
    let response: PublishBatchCommandOutput;
    const deadline = AbortSignal.timeout(this.requestTimeoutMs);
    try {
      response = await this.client.send(
        new PublishBatchCommand({
          TopicArn: this.topicArn,
          PublishBatchRequestEntries: batch.map((entry) => entry.request),
        }),
        { abortSignal: deadline },
      );
    } catch (error) {
      if (deadline.aborted) {
        // No answer in time. SNS may have taken the batch all the same; trying again risks a
        // duplicate, which is better than losing the alert (docs/delivery.md).
        const reason = `TimeoutError: SNS did not answer within ${this.requestTimeoutMs} ms`;
        return batch.map((entry) => ({ entry, reason, retryable: true }));
      }
      const tooLong = errorName(error) === 'BatchRequestTooLongException' && batch.length > 1;
      return batch.map((entry) => {
        // Our size estimate disagreed with SNS: next time each of these goes alone.
        if (tooLong) {
          entry.alone = true;
        }
        return { entry, reason: describeError(error), retryable: tooLong || isTransient(error) };
      });
    }

    const unanswered = new Map(batch.map((entry) => [entry.request.Id, entry]));
    for (const success of response.Successful ?? []) {
      const entry = unanswered.get(success.Id);
      if (entry !== undefined) {
        unanswered.delete(success.Id);
        outcome.published.push(entry.id);
      }
    }
    const failures: EntryFailure[] = [];
    for (const failure of response.Failed ?? []) {
      const entry = unanswered.get(failure.Id);
      if (entry !== undefined) {
        unanswered.delete(failure.Id);
        const code = failure.Code ?? 'UnknownError';
        failures.push({
          entry,
          reason: `${code}: ${failure.Message ?? 'no message'}`,
          // A sender fault (bad parameter, KMS access) fails the same way every time.
          retryable: failure.SenderFault !== true || THROTTLING_ENTRY_CODE.test(code),
        });
      }
    }
    for (const entry of unanswered.values()) {
      failures.push({
        entry,
        reason: 'MissingResult: SNS reported neither success nor failure for this entry',
        retryable: true,
      });
    }
    return failures;
  }

  /**
   * Exponential back-off with "equal jitter": half the step is fixed, half random. The fixed half
   * keeps each wait at least as long as the previous one; the random half spreads out callers
   * that were throttled together.
   */
  private backoffMs(retry: number): number {
    const step = Math.min(MAX_RETRY_DELAY_MS, BASE_RETRY_DELAY_MS * 2 ** (retry - 1));
    return Math.round(step / 2 + this.random() * (step / 2));
  }
}

/** The message id when it is already batch-safe; else a readable prefix plus a hash of it. */
function batchEntryIdFor(messageId: string): string {
  if (BATCH_ENTRY_ID.test(messageId)) {
    return messageId;
  }
  const digest = createHash('sha256').update(messageId).digest('base64url').slice(0, 22);
  const prefix = messageId
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, MAX_BATCH_ENTRY_ID_LENGTH - digest.length - 1);
  return prefix === '' ? digest : `${prefix}-${digest}`;
}

/** UTF-8 bytes SNS counts for an entry: message, subject, and attribute names, types and values. */
function entryBytes(entry: PublishBatchRequestEntry): number {
  let bytes = utf8Bytes(entry.Message ?? '') + utf8Bytes(entry.Subject ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += utf8Bytes(name) + attributeBytes(value);
  }
  return bytes;
}

function structuredMessageProblem(entry: PublishBatchRequestEntry): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(entry.Message ?? '');
  } catch {
    body = undefined;
  }
  if (
    typeof body !== 'object' ||
    body === null ||
    typeof Reflect.get(body, 'default') !== 'string'
  ) {
    return 'INVALID_MESSAGE: a json-structured message needs a "default" text';
  }
  const bytes = entryBytes(entry);
  return bytes > MAX_PAYLOAD_BYTES
    ? `MESSAGE_TOO_LARGE: ${bytes} bytes, more than the ${MAX_PAYLOAD_BYTES} byte limit`
    : undefined;
}

/** Greedy, in order: a new batch when the next entry would pass 10 entries or 256 KiB. */
function splitIntoBatches(entries: readonly PendingEntry[]): PendingEntry[][] {
  const batches: PendingEntry[][] = [];
  let current: PendingEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    if (entry.alone) {
      batches.push([entry]);
      continue;
    }
    if (
      current.length === MAX_BATCH_ENTRIES ||
      (current.length > 0 && currentBytes + entry.bytes > MAX_PAYLOAD_BYTES)
    ) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += entry.bytes;
  }
  if (current.length > 0) {
    batches.push(current);
  }
  return batches;
}

function uniqueBatchId(candidate: string, taken: ReadonlySet<string>): string {
  let id = candidate;
  for (let n = 2; taken.has(id); n += 1) {
    const suffix = `-${n}`;
    id = `${candidate.slice(0, MAX_BATCH_ENTRY_ID_LENGTH - suffix.length)}${suffix}`;
  }
  return id;
}

function attributeBytes(value: MessageAttributeValue): number {
  return (
    utf8Bytes(value.DataType ?? '') +
    utf8Bytes(value.StringValue ?? '') +
    (value.BinaryValue?.byteLength ?? 0)
  );
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const details = error as {
    name?: string;
    code?: string;
    $fault?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const status = details.$metadata?.httpStatusCode;
  return (
    TRANSIENT_ERROR_NAMES.has(details.name ?? '') ||
    TRANSIENT_NETWORK_CODES.has(details.code ?? '') ||
    details.$fault === 'server' ||
    details.$retryable !== undefined ||
    status === 429 ||
    (status !== undefined && status >= 500)
  );
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

/** `Code: message`, the same shape as the per-entry failures SNS returns. */
function describeError(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : `UnknownError: ${String(error)}`;
}
