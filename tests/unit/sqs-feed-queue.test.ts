import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SqsFeedQueue } from '../../functions/adapters/sqs-feed-queue';

const queueUrl = 'https://sqs.eu-central-1.amazonaws.com/123456789012/news-alerts-FeedQueue-1A2B3C';
const sqsMock = mockClient(SQSClient);
const message = (n: number) => ({ feedId: `feed-${n}`, dueAt: '2025-05-01T10:00:00.000Z' });

function queueWith(maxAttempts = 3) {
  const delay = vi.fn(async (_ms: number) => {});
  const queue = new SqsFeedQueue({
    client: new SQSClient({ region: 'eu-central-1' }),
    queueUrl,
    maxAttempts,
    delay,
    random: () => 1,
  });
  return { queue, delay };
}

beforeEach(() => {
  sqsMock.reset();
});

describe('SqsFeedQueue', () => {
  it('reports an entry SQS refuses as the sender fault at once, without a retry', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: 'm0', MessageId: 'a', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: 'm1', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad' }],
    });
    const { queue, delay } = queueWith();

    // Act
    const outcome = await queue.send([message(0), message(1)]);

    // Assess
    expect(outcome).toEqual({
      failed: [{ feedId: 'feed-1', reason: 'InvalidMessageContents: bad' }],
    });
    expect(sqsMock).toReceiveCommandTimes(SendMessageBatchCommand, 1);
    expect(delay).not.toHaveBeenCalled();
  });

  it('sends a whole batch again after the call failed, waiting longer each time', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))
      .resolves({ Successful: [{ Id: 'm0', MessageId: 'a', MD5OfMessageBody: 'x' }], Failed: [] });
    const { queue, delay } = queueWith();

    // Act
    const outcome = await queue.send([message(0)]);

    // Assess
    expect(outcome).toEqual({ failed: [] });
    expect(sqsMock).toReceiveCommandTimes(SendMessageBatchCommand, 3);
    expect(delay.mock.calls).toEqual([[200], [400]]);
  });

  it('reports the last reason when every try failed', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .rejects(Object.assign(new Error('rate exceeded'), { name: 'RequestThrottled' }));
    const { queue } = queueWith(2);

    // Act
    const outcome = await queue.send([message(0)]);

    // Assess
    expect(outcome).toEqual({
      failed: [{ feedId: 'feed-0', reason: 'RequestThrottled: rate exceeded' }],
    });
    expect(sqsMock).toReceiveCommandTimes(SendMessageBatchCommand, 2);
  });
});
