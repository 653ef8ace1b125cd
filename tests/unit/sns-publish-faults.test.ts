/**
 * A PublishBatch that is never answered, through the real SDK stack (SNSClient, its HTTP handler)
 * against a loopback endpoint that accepts the request and stays silent: the publisher abandons
 * the call at its deadline, tries again, and reports the message as failed with the reason when
 * every try went unanswered, instead of waiting for the SDK's 5-minute socket timeout.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { SnsBatchPublisher } from '../../functions/adapters/sns-batch-publisher';

const topicArn = 'arn:aws:sns:eu-central-1:123456789012:news-alerts-aud-email';
const message = {
  id: 'dlv-timeout-1',
  subject: '[news-alerts] Gas',
  message: JSON.stringify({ default: 'd', email: 'e', sms: 's' }),
  attributes: { kind: { DataType: 'String' as const, StringValue: 'instant' } },
};

/** SNS's answer to a PublishBatch whose entries all succeeded. */
function accepted(body: string): string {
  const ids = [...new URLSearchParams(body)]
    .filter(([name]) => /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(name))
    .map(([, id]) => id);
  const members = ids
    .map((id) => `<member><Id>${id}</Id><MessageId>m-${id}</MessageId></member>`)
    .join('');
  return `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful>${members}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishBatchResponse>`;
}

const open: ServerResponse[] = [];
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  for (const response of open.splice(0)) response.destroy();
  await close?.();
});

/** An SNS endpoint that leaves the first `silent` requests unanswered, then accepts. */
async function endpoint(silent: number) {
  let requests = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests += 1;
      if (requests <= silent) {
        open.push(response);
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/xml' }).end(accepted(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  const client = new SNSClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return { client, requests: () => requests };
}

describe('SnsBatchPublisher when SNS does not answer', () => {
  it('abandons an unanswered call at its deadline and sends the batch again', async () => {
    // Prepare
    const sns = await endpoint(1);
    const waits: number[] = [];
    const publisher = new SnsBatchPublisher({
      client: sns.client,
      topicArn,
      requestTimeoutMs: 300,
      delay: async (ms) => void waits.push(ms),
    });
    const started = Date.now();

    // Act
    const outcome = await publisher.publish([message]);

    // Assess
    expect(outcome).toEqual({ published: ['dlv-timeout-1'], failed: [] });
    expect(sns.requests()).toBe(2);
    expect(waits).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reports the message with the reason when no try was answered', async () => {
    // Prepare
    const sns = await endpoint(Number.POSITIVE_INFINITY);
    const publisher = new SnsBatchPublisher({
      client: sns.client,
      topicArn,
      requestTimeoutMs: 200,
      maxAttempts: 3,
      delay: async () => {},
    });

    // Act
    const outcome = await publisher.publish([message]);

    // Assess
    expect(outcome).toEqual({
      published: [],
      failed: [
        {
          id: 'dlv-timeout-1',
          reason: 'TimeoutError: SNS did not answer within 200 ms (after 3 attempts)',
        },
      ],
    });
    expect(sns.requests()).toBe(3);
  });
});
