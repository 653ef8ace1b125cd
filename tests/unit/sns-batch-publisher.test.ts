import {
  AuthorizationErrorException,
  BatchRequestTooLongException,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MAX_PAYLOAD_BYTES,
  SnsBatchPublisher,
  type StructuredMessage,
} from '../../functions/adapters/sns-batch-publisher';
import {
  type AlertContent,
  buildDigestMessage,
  buildSnsMessage,
  type SnsMessageBodies,
} from '../../functions/core/alerts/alert-message';

const topicArn = 'arn:aws:sns:eu-central-1:123456789012:news-alerts-AudienceTopic-1A2B3C';
const snsMock = mockClient(SNSClient);

const pad = (n: number) => String(n).padStart(4, '0');

function storyFor(
  n: number,
  headline = `Russia and Iran sign agreement number ${n}`,
): AlertContent {
  return {
    storyId: `story-${pad(n)}`,
    headline,
    outlet: 'TASS',
    published: '2025-01-17T10:30:00.000Z',
    topics: [{ id: 'energy', name: 'Energy cooperation' }],
    terms: ['gas'],
    snippet: 'The treaty covers energy and defence.',
    link: `https://tass.com/politics/${n}`,
    language: 'ru',
  };
}

/** The message of story n, as delivery builds it, under the id `dlv-000n`. */
function messageFor(n: number, content: AlertContent = storyFor(n)): StructuredMessage {
  return { id: `dlv-${pad(n)}`, ...buildSnsMessage(content) };
}

function publisherWith(options: { maxAttempts?: number; random?: () => number } = {}) {
  const delay = vi.fn(async (_ms: number) => {});
  const publisher = new SnsBatchPublisher({
    client: new SNSClient({ region: 'eu-central-1' }),
    topicArn,
    delay,
    ...options,
  });
  return { publisher, delay };
}

/** The entries of the nth PublishBatch call (0-based). */
function entriesOfCall(n: number): PublishBatchRequestEntry[] {
  return (
    snsMock.commandCalls(PublishBatchCommand)[n]?.args[0].input.PublishBatchRequestEntries ?? []
  );
}

/** What SNS counts: message, subject, attribute names, types and values, in UTF-8 bytes. */
function payloadBytes(entries: readonly PublishBatchRequestEntry[]): number {
  let bytes = 0;
  for (const entry of entries) {
    bytes += Buffer.byteLength(entry.Message ?? '') + Buffer.byteLength(entry.Subject ?? '');
    for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
      bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
      bytes += Buffer.byteLength(value.StringValue ?? '');
    }
  }
  return bytes;
}

function messageBytes(message: StructuredMessage): number {
  return payloadBytes([
    {
      Id: message.id,
      Subject: message.subject,
      Message: message.message,
      MessageAttributes: message.attributes,
    },
  ]);
}

/**
 * Message n grown to exactly `bytes`, as SNS counts them. `buildSnsMessage` keeps one story to a
 * few KB, so the email body is padded with Cyrillic (2 bytes a letter, and 1 character): a byte
 * count taken in characters would see half the size.
 */
function messageOfSize(n: number, bytes: number): StructuredMessage {
  const built = messageFor(n);
  const bodies = JSON.parse(built.message) as SnsMessageBodies;
  const withEmail = (email: string) => ({
    ...built,
    message: JSON.stringify({ ...bodies, email } satisfies SnsMessageBodies),
  });
  const room = bytes - messageBytes(withEmail(`${bodies.email}\n`));
  const padding = `${'Т'.repeat(Math.floor(room / 2))}${room % 2 === 1 ? '.' : ''}`;
  const sized = withEmail(`${bodies.email}\n${padding}`);
  if (messageBytes(sized) !== bytes) {
    throw new Error(`test set-up: message of ${messageBytes(sized)} bytes, not ${bytes}`);
  }
  return sized;
}

/** Answers every PublishBatch with success for each entry sent. */
function acceptEverything(): void {
  snsMock.on(PublishBatchCommand).callsFake((input: PublishBatchCommand['input']) => ({
    Successful: (input.PublishBatchRequestEntries ?? []).map((entry) => ({
      Id: entry.Id,
      MessageId: `message-${entry.Id}`,
    })),
    Failed: [],
  }));
}

describe('SnsBatchPublisher', () => {
  beforeEach(() => {
    snsMock.reset();
  });

  it('sends one PublishBatch with an entry per message: its subject, json text and attributes', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const first = messageFor(1);
    const second = messageFor(2, {
      ...storyFor(2),
      topics: [
        { id: 'energy', name: 'Energy cooperation' },
        { id: 'military', name: 'Military cooperation' },
      ],
      terms: ['gas', 'defence'],
    });

    // Act
    const outcome = await publisher.publish([first, second]);

    // Assess
    const expectedInput = {
      TopicArn: topicArn,
      PublishBatchRequestEntries: [
        {
          Id: 'dlv-0001',
          Subject: '[news-alerts] Russia and Iran sign agreement number 1',
          Message: first.message,
          MessageStructure: 'json',
          MessageAttributes: {
            topics: { DataType: 'String.Array', StringValue: '["energy"]' },
            language: { DataType: 'String', StringValue: 'ru' },
            kind: { DataType: 'String', StringValue: 'instant' },
            priority: { DataType: 'String', StringValue: 'normal' },
          },
        },
        {
          Id: 'dlv-0002',
          Subject: '[news-alerts] Russia and Iran sign agreement number 2',
          Message: second.message,
          MessageStructure: 'json',
          MessageAttributes: {
            topics: { DataType: 'String.Array', StringValue: '["energy","military"]' },
            language: { DataType: 'String', StringValue: 'ru' },
            kind: { DataType: 'String', StringValue: 'instant' },
            priority: { DataType: 'String', StringValue: 'normal' },
          },
        },
      ],
    };
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(snsMock).toReceiveCommandWith(PublishBatchCommand, expectedInput);
    expect(snsMock.commandCalls(PublishBatchCommand)[0]?.args[0].input).toEqual(expectedInput);
    expect(JSON.parse(entriesOfCall(0)[0]?.Message ?? '{}')).toMatchObject({
      default: 'Russia and Iran sign agreement number 1 (TASS)\nhttps://tass.com/politics/1',
    });
    expect(outcome).toEqual({ published: ['dlv-0001', 'dlv-0002'], failed: [] });
  });

  it('sends a digest as built, with the languages it holds as an array attribute', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const digest: StructuredMessage = {
      id: 'digest-2025-01-17T10',
      ...buildDigestMessage({
        periodStart: '2025-01-17T10:00:00.000Z',
        periodEnd: '2025-01-17T11:00:00.000Z',
        stories: [storyFor(1), { ...storyFor(2), language: 'fa' }],
      }),
    };

    // Act
    const outcome = await publisher.publish([digest]);

    // Assess
    const expectedInput = {
      TopicArn: topicArn,
      PublishBatchRequestEntries: [
        {
          Id: 'digest-2025-01-17T10',
          Subject: '[news-alerts] Digest: 2 new stories, 2025-01-17 10:00-11:00 UTC',
          Message: digest.message,
          MessageStructure: 'json',
          MessageAttributes: {
            topics: { DataType: 'String.Array', StringValue: '["energy"]' },
            language: { DataType: 'String.Array', StringValue: '["fa","ru"]' },
            kind: { DataType: 'String', StringValue: 'digest' },
            priority: { DataType: 'String', StringValue: 'normal' },
          },
        },
      ],
    };
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(snsMock).toReceiveCommandWith(PublishBatchCommand, expectedInput);
    expect(snsMock.commandCalls(PublishBatchCommand)[0]?.args[0].input).toEqual(expectedInput);
    expect(outcome).toEqual({ published: ['digest-2025-01-17T10'], failed: [] });
  });

  it('sends 11 messages as a batch of 10 and a batch of 1', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const messages = Array.from({ length: 11 }, (_, i) => messageFor(i + 1));

    // Act
    const outcome = await publisher.publish(messages);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(entriesOfCall(0).map((entry) => entry.Id)).toEqual(
      messages.slice(0, 10).map((message) => message.id),
    );
    expect(entriesOfCall(1).map((entry) => entry.Id)).toEqual(['dlv-0011']);
    expect(outcome.published).toEqual(messages.map((message) => message.id));
    expect(outcome.failed).toEqual([]);
  });

  it('splits large messages so that no call carries more than 256 KiB', async () => {
    // Prepare: 100,000 bytes each (50,000-odd characters), so two fit a call and three do not.
    acceptEverything();
    const { publisher } = publisherWith();
    const messages = Array.from({ length: 5 }, (_, i) => messageOfSize(i + 1, 100_000));

    // Act
    const outcome = await publisher.publish(messages);

    // Assess
    const calls = snsMock.commandCalls(PublishBatchCommand);
    expect(calls).toHaveLength(3);
    const sizes = calls.map((_, n) => payloadBytes(entriesOfCall(n)));
    for (const size of sizes) {
      expect(size).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
    expect(sizes).toEqual([200_000, 200_000, 100_000]);
    expect(calls.map((_, n) => entriesOfCall(n).map((entry) => entry.Id))).toEqual([
      ['dlv-0001', 'dlv-0002'],
      ['dlv-0003', 'dlv-0004'],
      ['dlv-0005'],
    ]);
    expect(outcome).toEqual({ published: messages.map((message) => message.id), failed: [] });
  });

  it('fills a call up to exactly 256 KiB, and starts a new one a byte later', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const half = MAX_PAYLOAD_BYTES / 2;
    const exact = [messageOfSize(1, half), messageOfSize(2, half)];
    const over = [messageOfSize(3, half), messageOfSize(4, half + 1)];

    // Act
    await publisher.publish(exact);
    await publisher.publish(over);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 3);
    expect(payloadBytes(entriesOfCall(0))).toBe(MAX_PAYLOAD_BYTES);
    expect(entriesOfCall(0).map((entry) => entry.Id)).toEqual(['dlv-0001', 'dlv-0002']);
    expect(entriesOfCall(1).map((entry) => entry.Id)).toEqual(['dlv-0003']);
    expect(entriesOfCall(2).map((entry) => entry.Id)).toEqual(['dlv-0004']);
  });

  it('sends a message of exactly 256 KiB whole, and reports one a byte over without sending it', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const largest = messageOfSize(1, MAX_PAYLOAD_BYTES);
    const tooLarge = messageOfSize(2, MAX_PAYLOAD_BYTES + 1);

    // Act
    const outcome = await publisher.publish([largest, tooLarge]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(entriesOfCall(0)).toEqual([
      {
        Id: 'dlv-0001',
        Subject: largest.subject,
        Message: largest.message,
        MessageStructure: 'json',
        MessageAttributes: largest.attributes,
      },
    ]);
    expect(outcome).toEqual({
      published: ['dlv-0001'],
      failed: [
        {
          id: 'dlv-0002',
          reason: 'MESSAGE_TOO_LARGE: 262145 bytes, more than the 262144 byte limit',
        },
      ],
    });
  });

  it('reports a message without a default text, and sends the others', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const built = messageFor(1);
    const noDefault = { ...built, id: 'no-default', message: JSON.stringify({ email: 'hi' }) };
    const notJson = { ...built, id: 'not-json', message: 'Russia and Iran sign a treaty' };
    const defaultNotText = { ...built, id: 'default-not-text', message: '{"default":1}' };

    // Act
    const outcome = await publisher.publish([noDefault, notJson, built, defaultNotText]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(entriesOfCall(0).map((entry) => entry.Id)).toEqual(['dlv-0001']);
    const reason = 'INVALID_MESSAGE: a json-structured message needs a "default" text';
    expect(outcome).toEqual({
      published: ['dlv-0001'],
      failed: [
        { id: 'no-default', reason },
        { id: 'not-json', reason },
        { id: 'default-not-text', reason },
      ],
    });
  });

  it('re-sends only the failed entries of a batch', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: 'dlv-0001' }, { Id: 'dlv-0004' }],
        Failed: ['dlv-0002', 'dlv-0003', 'dlv-0005'].map((Id) => ({
          Id,
          Code: 'InternalError',
          Message: 'Internal failure',
          SenderFault: false,
        })),
      })
      .resolvesOnce({
        Successful: [{ Id: 'dlv-0002' }, { Id: 'dlv-0003' }, { Id: 'dlv-0005' }],
        Failed: [],
      });
    const { publisher, delay } = publisherWith();
    const messages = Array.from({ length: 5 }, (_, i) => messageFor(i + 1));

    // Act
    const outcome = await publisher.publish(messages);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(entriesOfCall(1)).toEqual(
      entriesOfCall(0).filter((entry) =>
        ['dlv-0002', 'dlv-0003', 'dlv-0005'].includes(entry.Id ?? ''),
      ),
    );
    expect(entriesOfCall(1).map((entry) => entry.Id)).toEqual(['dlv-0002', 'dlv-0003', 'dlv-0005']);
    expect(delay).toHaveBeenCalledTimes(1);
    expect([...outcome.published].sort()).toEqual(messages.map((message) => message.id));
    expect(outcome.failed).toEqual([]);
  });

  it('retries the whole batch after a throttling error, after a jittered wait', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .rejectsOnce(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({ Successful: [{ Id: 'dlv-0001' }, { Id: 'dlv-0002' }], Failed: [] });
    const { publisher, delay } = publisherWith({ random: () => 0.5 });

    // Act
    const outcome = await publisher.publish([messageFor(1), messageFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(entriesOfCall(1)).toEqual(entriesOfCall(0));
    // First retry: a 200 ms step, half fixed and half jitter (0.5 of 100 ms).
    expect(delay.mock.calls).toEqual([[150]]);
    expect(outcome).toEqual({ published: ['dlv-0001', 'dlv-0002'], failed: [] });
  });

  it('reports a message that keeps failing after maxAttempts, waiting longer each time', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).resolves({
      Successful: [{ Id: 'dlv-0001' }],
      Failed: [
        {
          Id: 'dlv-0002',
          Code: 'InternalError',
          Message: 'Internal failure',
          SenderFault: false,
        },
      ],
    });
    // Jitter that swings from high to low: the waits must grow all the same.
    const jitter = [0.99, 0.01, 0.99];
    const random = () => jitter.shift() ?? 0;
    const { publisher, delay } = publisherWith({ maxAttempts: 4, random });

    // Act
    const outcome = await publisher.publish([messageFor(1), messageFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 4);
    for (const n of [1, 2, 3]) {
      expect(entriesOfCall(n).map((entry) => entry.Id)).toEqual(['dlv-0002']);
    }
    expect(outcome.published).toEqual(['dlv-0001']);
    expect(outcome.failed).toEqual([
      { id: 'dlv-0002', reason: 'InternalError: Internal failure (after 4 attempts)' },
    ]);
    const waits = delay.mock.calls.map(([ms]) => ms);
    // Steps of 200, 400 and 800 ms: half fixed, half scaled by the jitter.
    expect(waits).toEqual([199, 202, 796]);
    expect(waits[1]).toBeGreaterThan(waits[0] ?? Number.POSITIVE_INFINITY);
    expect(waits[2]).toBeGreaterThan(waits[1] ?? Number.POSITIVE_INFINITY);
  });

  it('reports a sender fault at once, without retrying it', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).resolves({
      Successful: [],
      Failed: [
        {
          Id: 'dlv-0001',
          Code: 'InvalidParameter',
          Message: 'Invalid parameter: Subject',
          SenderFault: true,
        },
      ],
    });
    const { publisher, delay } = publisherWith();

    // Act
    const outcome = await publisher.publish([messageFor(1)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(delay).not.toHaveBeenCalled();
    expect(outcome).toEqual({
      published: [],
      failed: [{ id: 'dlv-0001', reason: 'InvalidParameter: Invalid parameter: Subject' }],
    });
  });

  it('retries an entry throttled by SNS even when it is flagged as the sender fault', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [
          { Id: 'dlv-0001', Code: 'Throttling', Message: 'Rate exceeded', SenderFault: true },
        ],
      })
      .resolvesOnce({ Successful: [{ Id: 'dlv-0001' }], Failed: [] });
    const { publisher, delay } = publisherWith();

    // Act
    const outcome = await publisher.publish([messageFor(1)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(entriesOfCall(1)).toEqual(entriesOfCall(0));
    expect(delay).toHaveBeenCalledTimes(1);
    expect(outcome).toEqual({ published: ['dlv-0001'], failed: [] });
  });

  it('reports every message of a batch rejected for a reason retrying cannot fix', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .rejects(new AuthorizationErrorException({ message: 'Not authorized', $metadata: {} }));
    const { publisher, delay } = publisherWith();

    // Act
    const outcome = await publisher.publish([messageFor(1), messageFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(delay).not.toHaveBeenCalled();
    expect(outcome).toEqual({
      published: [],
      failed: [
        { id: 'dlv-0001', reason: 'AuthorizationErrorException: Not authorized' },
        { id: 'dlv-0002', reason: 'AuthorizationErrorException: Not authorized' },
      ],
    });
  });

  it('sends each entry alone when SNS finds a batch too long despite our measure', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .rejectsOnce(new BatchRequestTooLongException({ message: 'Batch too long', $metadata: {} }))
      .resolvesOnce({ Successful: [{ Id: 'dlv-0001' }], Failed: [] })
      .resolvesOnce({ Successful: [{ Id: 'dlv-0002' }], Failed: [] });
    const { publisher } = publisherWith();

    // Act
    const outcome = await publisher.publish([messageFor(1), messageFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 3);
    expect(entriesOfCall(1).map((entry) => entry.Id)).toEqual(['dlv-0001']);
    expect(entriesOfCall(2).map((entry) => entry.Id)).toEqual(['dlv-0002']);
    expect(outcome).toEqual({ published: ['dlv-0001', 'dlv-0002'], failed: [] });
  });

  it('retries an entry SNS answered neither way, and reports it if it stays unanswered', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).resolves({ Successful: [{ Id: 'dlv-0001' }], Failed: [] });
    const { publisher } = publisherWith({ maxAttempts: 2 });

    // Act
    const outcome = await publisher.publish([messageFor(1), messageFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(entriesOfCall(1).map((entry) => entry.Id)).toEqual(['dlv-0002']);
    expect(outcome.published).toEqual(['dlv-0001']);
    expect(outcome.failed).toEqual([
      {
        id: 'dlv-0002',
        reason:
          'MissingResult: SNS reported neither success nor failure for this entry (after 2 attempts)',
      },
    ]);
  });

  it('derives batch-safe, distinct entry ids and publishes a repeated message once', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const odd = { ...messageFor(1), id: `audience:email:${'x'.repeat(100)}` };
    const twin = { ...messageFor(2), id: `audience/email/${'x'.repeat(100)}` };

    // Act
    const outcome = await publisher.publish([odd, twin, odd]);

    // Assess
    const ids = entriesOfCall(0).map((entry) => entry.Id ?? '');
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    }
    expect(new Set(ids).size).toBe(2);
    expect(outcome).toEqual({ published: [odd.id, twin.id], failed: [] });
  });

  it('keeps entry ids distinct when a message id equals the entry id derived for another', async () => {
    // Prepare: learn the entry id derived for an id SNS would not accept.
    acceptEverything();
    const { publisher } = publisherWith();
    const odd = { ...messageFor(1), id: 'audience:email:energy' };
    await publisher.publish([odd]);
    const derived = entriesOfCall(0)[0]?.Id ?? '';
    snsMock.resetHistory();
    const lookalike = { ...messageFor(2), id: derived };

    // Act
    const outcome = await publisher.publish([odd, lookalike]);

    // Assess
    expect(entriesOfCall(0).map((entry) => entry.Id)).toEqual([derived, `${derived}-2`]);
    expect(outcome).toEqual({ published: [odd.id, derived], failed: [] });
  });

  it('refuses a maxAttempts that is not a whole number of at least 1', () => {
    // Act and assess
    for (const maxAttempts of [0, -1, 1.5]) {
      expect(() => publisherWith({ maxAttempts })).toThrow(
        new RangeError(`maxAttempts must be a whole number of at least 1, got ${maxAttempts}`),
      );
    }
  });
});
