/** SQS records as Lambda's event source delivers them to the poll worker. */
import { createHash } from 'node:crypto';
import type { SQSRecord } from 'aws-lambda';

export const FEED_QUEUE_ARN = 'arn:aws:sqs:eu-central-1:123456789012:news-alerts-FeedQueue-1A2B3C';

/** One record of the feed queue with `body`, first received once. */
export function sqsRecord(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `AQEB${messageId}==`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1746093600000',
      SenderId: 'AROAEXAMPLE:news-alerts-DispatchFunction',
      ApproximateFirstReceiveTimestamp: '1746093600100',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: FEED_QUEUE_ARN,
    awsRegion: 'eu-central-1',
  };
}
