/**
 * FeedQueue: the queue of due feeds between the dispatcher and the poll workers, with its
 * dead-letter queue. Both are encrypted (SSE-SQS), TLS-only and keep messages 14 days. The
 * visibility timeout follows the consumer's timeout (six times it, as AWS advises for a Lambda
 * event source), so a message is never handed to a second worker while the first still runs.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface FeedQueueProps {
  /** The timeout of the function that consumes the queue. */
  readonly consumerTimeout: Duration;
  /**
   * Deliveries of one message before it goes to the dead-letter queue.
   * @default 3
   */
  readonly maxReceiveCount?: number;
}

/** AWS: a queue's visibility timeout should be at least six times its consumer's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

export class FeedQueue extends Construct {
  readonly queue: Queue;
  /** Messages delivered `maxReceiveCount` times without success. */
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: FeedQueueProps) {
    super(scope, id);
    const common = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to look at a failure after a weekend or a holiday.
      retentionPeriod: Duration.days(14),
    };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', common);
    this.queue = new Queue(this, 'Queue', {
      ...common,
      visibilityTimeout: Duration.seconds(
        props.consumerTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR,
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason: "This queue is the feed queue's dead-letter queue itself: the end of the line.",
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: "This queue is the feed queue's dead-letter queue itself: the end of the line.",
      },
    );
  }
}
