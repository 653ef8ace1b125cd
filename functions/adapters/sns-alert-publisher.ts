/**
 * Publishes alerts to the alerts SNS topic with PublishBatch: batches within the SNS limits,
 * partial-failure handling, and retries with back-off. Every alert given ends up either in
 * `published` or in `failed` with a reason; none is dropped silently. `publishStructured` sends
 * messages the core already built per protocol (`MessageStructure: 'json'`) the same way.
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
import {
  type AlertMessage,
  buildAlertMessage,
  type SnsMessage,
} from '../core/alerts/alert-message';
import type { Alert } from '../core/model';
import type { AlertPublisher, PublishOutcome } from '../core/ports';

/** SNS: at most 10 entries per PublishBatch. */
export const MAX_BATCH_ENTRIES = 10;
/** SNS default for one message and for a whole batch, message attributes included. */
export const MAX_PAYLOAD_BYTES = 262_144;
/** SNS batch entry ids: 1 to 80 of these characters, unique within the batch. */
export const MAX_BATCH_ENTRY_ID_LENGTH = 80;
export const DEFAULT_MAX_ATTEMPTS = 4;
export const BASE_RETRY_DELAY_MS = 200;
export const MAX_RETRY_DELAY_MS = 10_000;
/** Appended to a message cut to fit `MAX_PAYLOAD_BYTES`, so readers know there was more. */
export const TRUNCATION_MARKER = '\n\n[message truncated]';

export interface SnsAlertPublisherOptions {
  client: SNSClient;
  topicArn: string;
  /** Topic id to display name, for the message text. */
  topicNames: Record<string, string>;
  /** Tries per alert, the first send included. */
  maxAttempts?: number;
  /** Waits between tries; injected so tests do not wait. */
  delay?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); injected so tests can pin delays. */
  random?: () => number;
}

/** One alert on its way: the request entry and what we know about its last try. */
interface PendingEntry {
  alertId: string;
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

/** A message built by `buildSnsMessage` or `buildDigestMessage`, with the id outcomes report. */
export interface StructuredMessage extends SnsMessage {
  id: string;
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

export class SnsAlertPublisher implements AlertPublisher {
  private readonly client: SNSClient;
  private readonly topicArn: string;
  private readonly topicNames: Record<string, string>;
  private readonly maxAttempts: number;
  private readonly delay: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: SnsAlertPublisherOptions) {
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a whole number of at least 1, got ${maxAttempts}`);
    }
    this.client = options.client;
    this.topicArn = options.topicArn;
    this.topicNames = options.topicNames;
    this.maxAttempts = maxAttempts;
    this.delay = options.delay ?? ((ms) => sleep(ms));
    this.random = options.random ?? Math.random;
  }

  async publish(alerts: readonly Alert[]): Promise<PublishOutcome> {
    const outcome: PublishOutcome = { published: [], failed: [] };
    await this.sendWithRetries(this.toEntries(alerts, outcome), outcome);
    return outcome;
  }

  /**
   * Publishes messages built in the core (one text per protocol) with `MessageStructure: 'json'`,
   * batched and retried like `publish`; the outcome names each message by its `id`. A JSON message
   * cannot be cut to size the way an alert's text is, so one past the SNS limit, or one without
   * the `default` text SNS requires, is reported as failed and not sent.
   */
  async publishStructured(messages: readonly StructuredMessage[]): Promise<PublishOutcome> {
    const outcome: PublishOutcome = { published: [], failed: [] };
    const entries: PendingEntry[] = [];
    const seen = new Set<string>();
    const batchIds = new Set<string>();
    for (const message of messages) {
      if (seen.has(message.id)) {
        continue;
      }
      seen.add(message.id);
      const id = uniqueBatchId(batchEntryIdFor(message.id), batchIds);
      batchIds.add(id);
      const request: PublishBatchRequestEntry = {
        Id: id,
        Subject: message.subject,
        Message: message.message,
        MessageStructure: 'json',
        MessageAttributes: message.attributes,
      };
      const problem = structuredMessageProblem(request);
      if (problem !== undefined) {
        outcome.failed.push({ alertId: message.id, reason: problem });
        continue;
      }
      entries.push({ alertId: message.id, request, bytes: entryBytes(request), alone: false });
    }
    await this.sendWithRetries(entries, outcome);
    return outcome;
  }

  /** Sends entries in batches until each has succeeded or failed for good; records both. */
  private async sendWithRetries(entries: PendingEntry[], outcome: PublishOutcome): Promise<void> {
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
            outcome.failed.push({ alertId: entry.alertId, reason: `${reason}${tries}` });
          }
        }
      }
      pending = retry;
    }
  }

  /** Builds one entry per distinct alert id; a repeated alert would reach subscribers twice. */
  private toEntries(alerts: readonly Alert[], outcome: PublishOutcome): PendingEntry[] {
    const entries: PendingEntry[] = [];
    const alertIds = new Set<string>();
    const batchIds = new Set<string>();
    for (const alert of alerts) {
      if (alertIds.has(alert.id)) {
        continue;
      }
      alertIds.add(alert.id);
      const message = buildAlertMessage(alert, this.topicNames);
      // Unique across the whole call, so unique within any batch and through every retry.
      const id = uniqueBatchId(batchEntryIdFor(alert.id), batchIds);
      batchIds.add(id);
      const request = fitToPayloadLimit(toRequestEntry(id, message));
      const bytes = entryBytes(request);
      if (bytes > MAX_PAYLOAD_BYTES) {
        outcome.failed.push({
          alertId: alert.id,
          reason: `MESSAGE_TOO_LARGE: subject and attributes alone pass the ${MAX_PAYLOAD_BYTES} byte limit`,
        });
        continue;
      }
      entries.push({ alertId: alert.id, request, bytes, alone: false });
    }
    return entries;
  }

  /** Sends one batch; records successes and returns the entries that failed. */
  private async sendBatch(batch: PendingEntry[], outcome: PublishOutcome): Promise<EntryFailure[]> {
    let response: PublishBatchCommandOutput;
    try {
      response = await this.client.send(
        new PublishBatchCommand({
          TopicArn: this.topicArn,
          PublishBatchRequestEntries: batch.map((entry) => entry.request),
        }),
      );
    } catch (error) {
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
        outcome.published.push(entry.alertId);
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

/** The alert id when it is already batch-safe; else a readable prefix plus a hash of it. */
function batchEntryIdFor(alertId: string): string {
  if (BATCH_ENTRY_ID.test(alertId)) {
    return alertId;
  }
  const digest = createHash('sha256').update(alertId).digest('base64url').slice(0, 22);
  const prefix = alertId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80 - digest.length - 1);
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

function toRequestEntry(id: string, message: AlertMessage): PublishBatchRequestEntry {
  return {
    Id: id,
    Subject: message.subject,
    Message: message.text,
    MessageAttributes: {
      topics: { DataType: 'String.Array', StringValue: JSON.stringify(message.attributes.topics) },
      language: { DataType: 'String', StringValue: message.attributes.language },
      kind: { DataType: 'String', StringValue: message.attributes.kind },
      alertId: { DataType: 'String', StringValue: message.alertId },
    },
  };
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

/** Cuts the text of an entry over the limit, rather than lose the alert. */
function fitToPayloadLimit(entry: PublishBatchRequestEntry): PublishBatchRequestEntry {
  const bytes = entryBytes(entry);
  if (bytes <= MAX_PAYLOAD_BYTES) {
    return entry;
  }
  const message = entry.Message ?? '';
  const room = MAX_PAYLOAD_BYTES - (bytes - utf8Bytes(message)) - utf8Bytes(TRUNCATION_MARKER);
  if (room <= 0) {
    return entry;
  }
  return { ...entry, Message: `${truncateUtf8(message, room)}${TRUNCATION_MARKER}` };
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

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) {
    return text;
  }
  let cut = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to the start of the character cut in two.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) {
    cut -= 1;
  }
  return bytes.subarray(0, cut).toString('utf8');
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
