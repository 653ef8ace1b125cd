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
  SnsAlertPublisher,
  TRUNCATION_MARKER,
} from '../../functions/adapters/sns-alert-publisher';
import {
  alertContentFromAlert,
  buildAlertMessage,
  buildSnsMessage,
} from '../../functions/core/alerts/alert-message';
import type { Alert } from '../../functions/core/model';

const topicArn = 'arn:aws:sns:eu-central-1:123456789012:news-alerts-AlertsTopic-1A2B3C';
const topicNames = { energy: 'Energy cooperation', military: 'Military cooperation' };
const snsMock = mockClient(SNSClient);

function alertFor(n: number, title = `Russia and Iran sign agreement number ${n}`): Alert {
  return {
    id: `alert-${String(n).padStart(4, '0')}`,
    article: {
      id: `https://tass.com/politics/${n}`,
      feedId: 'feed-tass',
      source: 'TASS',
      title,
      summary: 'The treaty covers energy and defence.',
      link: `https://tass.com/politics/${n}`,
      published: '2025-01-17T10:30:00.000Z',
      firstSeen: '2025-01-17T10:35:00.000Z',
      language: 'ru',
    },
    matches: [{ topicId: 'energy', terms: ['gas'] }],
  };
}

function publisherWith(options: { maxAttempts?: number; random?: () => number } = {}) {
  const delay = vi.fn(async (_ms: number) => {});
  const publisher = new SnsAlertPublisher({
    client: new SNSClient({ region: 'eu-central-1' }),
    topicArn,
    topicNames,
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

describe('SnsAlertPublisher', () => {
  beforeEach(() => {
    snsMock.reset();
  });

  it('sends one PublishBatch with an entry per alert, its subject, text and attributes', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const first = alertFor(1);
    const second: Alert = {
      ...alertFor(2),
      matches: [
        { topicId: 'energy', terms: ['gas'] },
        { topicId: 'military', terms: ['defence'] },
      ],
    };

    // Act
    const outcome = await publisher.publish([first, second]);

    // Assess
    const expectedInput = {
      TopicArn: topicArn,
      PublishBatchRequestEntries: [
        {
          Id: 'alert-0001',
          Subject: '[news-alerts] Russia and Iran sign agreement number 1',
          Message: buildAlertMessage(first, topicNames).text,
          MessageAttributes: {
            topics: { DataType: 'String.Array', StringValue: '["energy"]' },
            language: { DataType: 'String', StringValue: 'ru' },
            kind: { DataType: 'String', StringValue: 'instant' },
            alertId: { DataType: 'String', StringValue: 'alert-0001' },
          },
        },
        {
          Id: 'alert-0002',
          Subject: '[news-alerts] Russia and Iran sign agreement number 2',
          Message: buildAlertMessage(second, topicNames).text,
          MessageAttributes: {
            topics: { DataType: 'String.Array', StringValue: '["energy","military"]' },
            language: { DataType: 'String', StringValue: 'ru' },
            kind: { DataType: 'String', StringValue: 'instant' },
            alertId: { DataType: 'String', StringValue: 'alert-0002' },
          },
        },
      ],
    };
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(snsMock).toReceiveCommandWith(PublishBatchCommand, expectedInput);
    expect(snsMock.commandCalls(PublishBatchCommand)[0]?.args[0].input).toEqual(expectedInput);
    expect(outcome).toEqual({ published: ['alert-0001', 'alert-0002'], failed: [] });
  });

  it('sends 11 alerts as a batch of 10 and a batch of 1', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const alerts = Array.from({ length: 11 }, (_, i) => alertFor(i + 1));

    // Act
    const outcome = await publisher.publish(alerts);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(entriesOfCall(0).map((entry) => entry.Id)).toEqual(
      alerts.slice(0, 10).map((alert) => alert.id),
    );
    expect(entriesOfCall(1).map((entry) => entry.Id)).toEqual(['alert-0011']);
    expect(outcome.published).toEqual(alerts.map((alert) => alert.id));
    expect(outcome.failed).toEqual([]);
  });

  it('splits large alerts so that no call carries more than 256 KiB', async () => {
    // Prepare: each text holds ~100,000 bytes of Cyrillic (2 bytes a letter), so two fit a call.
    acceptEverything();
    const { publisher } = publisherWith();
    const longTitle = 'Тегеран '.repeat(6_250);
    const alerts = Array.from({ length: 5 }, (_, i) => alertFor(i + 1, `${i} ${longTitle}`));

    // Act
    const outcome = await publisher.publish(alerts);

    // Assess
    const calls = snsMock.commandCalls(PublishBatchCommand);
    expect(calls).toHaveLength(3);
    const sizes = calls.map((_, n) => payloadBytes(entriesOfCall(n)));
    for (const size of sizes) {
      expect(size).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
    expect(calls.map((_, n) => entriesOfCall(n).length)).toEqual([2, 2, 1]);
    expect(outcome.published).toEqual(alerts.map((alert) => alert.id));
  });

  it('truncates a message too large for SNS instead of dropping it', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const alert = alertFor(1, 'Иран '.repeat(40_000));

    // Act
    const outcome = await publisher.publish([alert]);

    // Assess
    const [entry] = entriesOfCall(0);
    expect(payloadBytes(entriesOfCall(0))).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(entry?.Message?.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(entry?.Message?.startsWith('Иран Иран')).toBe(true);
    expect(entry?.Message).not.toContain('\uFFFD');
    expect(outcome).toEqual({ published: ['alert-0001'], failed: [] });
  });

  it('re-sends only the failed entries of a batch', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: 'alert-0001' }, { Id: 'alert-0004' }],
        Failed: ['alert-0002', 'alert-0003', 'alert-0005'].map((Id) => ({
          Id,
          Code: 'InternalError',
          Message: 'Internal failure',
          SenderFault: false,
        })),
      })
      .resolvesOnce({
        Successful: [{ Id: 'alert-0002' }, { Id: 'alert-0003' }, { Id: 'alert-0005' }],
        Failed: [],
      });
    const { publisher, delay } = publisherWith();
    const alerts = Array.from({ length: 5 }, (_, i) => alertFor(i + 1));

    // Act
    const outcome = await publisher.publish(alerts);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(entriesOfCall(1)).toEqual(
      entriesOfCall(0).filter((entry) =>
        ['alert-0002', 'alert-0003', 'alert-0005'].includes(entry.Id ?? ''),
      ),
    );
    expect(entriesOfCall(1).map((entry) => entry.Id)).toEqual([
      'alert-0002',
      'alert-0003',
      'alert-0005',
    ]);
    expect(delay).toHaveBeenCalledTimes(1);
    expect([...outcome.published].sort()).toEqual(alerts.map((alert) => alert.id));
    expect(outcome.failed).toEqual([]);
  });

  it('retries the whole batch after a throttling error', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .rejectsOnce(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({ Successful: [{ Id: 'alert-0001' }, { Id: 'alert-0002' }], Failed: [] });
    const { publisher, delay } = publisherWith();

    // Act
    const outcome = await publisher.publish([alertFor(1), alertFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(entriesOfCall(1)).toEqual(entriesOfCall(0));
    expect(delay).toHaveBeenCalledTimes(1);
    expect(outcome).toEqual({ published: ['alert-0001', 'alert-0002'], failed: [] });
  });

  it('reports an alert that keeps failing after maxAttempts, waiting longer each time', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).resolves({
      Successful: [{ Id: 'alert-0001' }],
      Failed: [
        {
          Id: 'alert-0002',
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
    const outcome = await publisher.publish([alertFor(1), alertFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 4);
    for (const n of [1, 2, 3]) {
      expect(entriesOfCall(n).map((entry) => entry.Id)).toEqual(['alert-0002']);
    }
    expect(outcome.published).toEqual(['alert-0001']);
    expect(outcome.failed).toEqual([
      { alertId: 'alert-0002', reason: 'InternalError: Internal failure (after 4 attempts)' },
    ]);
    const waits = delay.mock.calls.map(([ms]) => ms);
    expect(waits).toHaveLength(3);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[1]).toBeGreaterThan(waits[0] ?? Number.POSITIVE_INFINITY);
    expect(waits[2]).toBeGreaterThan(waits[1] ?? Number.POSITIVE_INFINITY);
  });

  it('reports a sender fault at once, without retrying it', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).resolves({
      Successful: [],
      Failed: [
        {
          Id: 'alert-0001',
          Code: 'InvalidParameter',
          Message: 'Invalid parameter: Subject',
          SenderFault: true,
        },
      ],
    });
    const { publisher, delay } = publisherWith();

    // Act
    const outcome = await publisher.publish([alertFor(1)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(delay).not.toHaveBeenCalled();
    expect(outcome).toEqual({
      published: [],
      failed: [{ alertId: 'alert-0001', reason: 'InvalidParameter: Invalid parameter: Subject' }],
    });
  });

  it('reports every alert of a batch rejected for a reason retrying cannot fix', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .rejects(new AuthorizationErrorException({ message: 'Not authorized', $metadata: {} }));
    const { publisher, delay } = publisherWith();

    // Act
    const outcome = await publisher.publish([alertFor(1), alertFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 1);
    expect(delay).not.toHaveBeenCalled();
    expect(outcome).toEqual({
      published: [],
      failed: [
        { alertId: 'alert-0001', reason: 'AuthorizationErrorException: Not authorized' },
        { alertId: 'alert-0002', reason: 'AuthorizationErrorException: Not authorized' },
      ],
    });
  });

  it('sends each entry alone when SNS finds a batch too long despite our measure', async () => {
    // Prepare
    snsMock
      .on(PublishBatchCommand)
      .rejectsOnce(new BatchRequestTooLongException({ message: 'Batch too long', $metadata: {} }))
      .resolvesOnce({ Successful: [{ Id: 'alert-0001' }], Failed: [] })
      .resolvesOnce({ Successful: [{ Id: 'alert-0002' }], Failed: [] });
    const { publisher } = publisherWith();

    // Act
    const outcome = await publisher.publish([alertFor(1), alertFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 3);
    expect(entriesOfCall(1).map((entry) => entry.Id)).toEqual(['alert-0001']);
    expect(entriesOfCall(2).map((entry) => entry.Id)).toEqual(['alert-0002']);
    expect(outcome).toEqual({ published: ['alert-0001', 'alert-0002'], failed: [] });
  });

  it('retries an entry SNS answered neither way, and reports it if it stays unanswered', async () => {
    // Prepare
    snsMock.on(PublishBatchCommand).resolves({ Successful: [{ Id: 'alert-0001' }], Failed: [] });
    const { publisher } = publisherWith({ maxAttempts: 2 });

    // Act
    const outcome = await publisher.publish([alertFor(1), alertFor(2)]);

    // Assess
    expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
    expect(outcome.published).toEqual(['alert-0001']);
    expect(outcome.failed).toEqual([
      {
        alertId: 'alert-0002',
        reason:
          'MissingResult: SNS reported neither success nor failure for this entry (after 2 attempts)',
      },
    ]);
  });

  it('derives batch-safe, distinct entry ids and publishes a repeated alert once', async () => {
    // Prepare
    acceptEverything();
    const { publisher } = publisherWith();
    const odd = { ...alertFor(1), id: `feed-tass:${'x'.repeat(100)}` };
    const twin = { ...alertFor(2), id: `feed-tass/${'x'.repeat(100)}` };

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

  describe('publishStructured', () => {
    it('sends a prebuilt message as a json-structured entry with its subject and attributes', async () => {
      // Prepare
      acceptEverything();
      const { publisher } = publisherWith();
      const built = buildSnsMessage(alertContentFromAlert(alertFor(1), topicNames));

      // Act
      const outcome = await publisher.publishStructured([{ id: 'alert-0001', ...built }]);

      // Assess
      const expectedInput = {
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          {
            Id: 'alert-0001',
            Subject: '[news-alerts] Russia and Iran sign agreement number 1',
            Message: built.message,
            MessageStructure: 'json',
            MessageAttributes: {
              topics: { DataType: 'String.Array', StringValue: '["energy"]' },
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
      expect(JSON.parse(entriesOfCall(0)[0]?.Message ?? '{}')).toHaveProperty('default');
      expect(outcome).toEqual({ published: ['alert-0001'], failed: [] });
    });

    it('retries a throttled structured message like an alert', async () => {
      // Prepare
      snsMock
        .on(PublishBatchCommand)
        .rejectsOnce(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }))
        .resolves({ Successful: [{ Id: 'digest-1' }], Failed: [] });
      const { publisher, delay } = publisherWith();
      const built = buildSnsMessage(alertContentFromAlert(alertFor(1), topicNames));

      // Act
      const outcome = await publisher.publishStructured([{ id: 'digest-1', ...built }]);

      // Assess
      expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 2);
      expect(entriesOfCall(1)).toEqual(entriesOfCall(0));
      expect(delay).toHaveBeenCalledTimes(1);
      expect(outcome).toEqual({ published: ['digest-1'], failed: [] });
    });

    it('reports a message without a default text or over the size limit, and sends neither', async () => {
      // Prepare
      acceptEverything();
      const { publisher } = publisherWith();
      const built = buildSnsMessage(alertContentFromAlert(alertFor(1), topicNames));
      const noDefault = { ...built, id: 'no-default', message: JSON.stringify({ email: 'hi' }) };
      const tooLarge = {
        ...built,
        id: 'too-large',
        message: JSON.stringify({ default: 'x'.repeat(MAX_PAYLOAD_BYTES) }),
      };

      // Act
      const outcome = await publisher.publishStructured([noDefault, tooLarge]);

      // Assess
      expect(snsMock).toReceiveCommandTimes(PublishBatchCommand, 0);
      expect(outcome.published).toEqual([]);
      expect(outcome.failed.map((failure) => failure.alertId)).toEqual(['no-default', 'too-large']);
      expect(outcome.failed[0]?.reason).toMatch(/^INVALID_MESSAGE: /);
      expect(outcome.failed[1]?.reason).toMatch(/^MESSAGE_TOO_LARGE: /);
    });
  });
});
