/**
 * NodeFunction: the one Lambda construct of news-alerts. It carries the team defaults (Node 24 on
 * arm64, an ESM bundle built by the local esbuild, source maps, a log group with retention, X-Ray
 * tracing, an encrypted failure queue for events it could not process) and the `bind*` methods that wire a resource in with its env var and its least grant together, so
 * no function can get a table name without the permission to use it, or the reverse.
 */
import path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, type FunctionOptions, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ITopic, TopicGrants } from 'aws-cdk-lib/aws-sns';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AUDIENCE_TOPIC_KMS_KEY } from '../../functions/adapters/sns-subscription-channel';
import { SERVICE_NAME } from '../../functions/handlers/shared/telemetry-names';
import {
  BUNDLE_ALIASES,
  BUNDLE_CHARSET,
  BUNDLE_TARGET,
  ESM_REQUIRE_BANNER,
} from '../bundling/esbuild-settings';

/** The repository root: bundling runs here, next to package-lock.json and tsconfig.json. */
const REPO_ROOT = path.join(import.meta.dirname, '..', '..');
const HANDLERS_DIR = path.join(REPO_ROOT, 'functions', 'handlers');

export interface NodeFunctionProps
  extends Pick<
    FunctionOptions,
    'description' | 'environment' | 'reservedConcurrentExecutions' | 'retryAttempts' | 'maxEventAge'
  > {
  /** File under functions/handlers that exports `handler`, e.g. `poll.ts`. */
  readonly handlerFile: string;
  /** Required so every function states how long it may run, instead of inheriting 3 seconds. */
  readonly timeout: Duration;
  /** Required for the same reason; memory also buys CPU. */
  readonly memorySize: number;
  /**
   * Files copied next to the bundle, by name in the bundle → path at synth (absolute). They are
   * part of the asset, so a change to one deploys a new version of the function.
   */
  readonly bundledFiles?: Readonly<Record<string, string>>;
  /**
   * How the function is invoked. `async` (schedules): failed events go to `failureQueue`.
   * `sync` (an SQS event source, whose queue keeps its own failures; API Gateway; a deploy trigger
   * that waits for the result): no failure queue, which would never receive anything.
   */
  readonly invocation: 'async' | 'sync';
}

export type TableAccess = 'read' | 'readWrite';

export interface TableBinding {
  readonly table: ITableV2;
  /** The env var the handler reads the table name from. */
  readonly envVar: string;
  readonly access: TableAccess;
}

/** A narrower grant than `TableAccess`: exactly these actions, and Query on these indexes. */
export interface TableActionsBinding {
  readonly table: ITableV2;
  /** The env var the handler reads the table name from. */
  readonly envVar: string;
  /** Actions on the table itself, e.g. `dynamodb:PutItem`. */
  readonly actions: readonly string[];
  /** Indexes the function may Query, by name. */
  readonly queryIndexes: readonly string[];
}

export interface QueueBinding {
  readonly queue: IQueue;
  /** The env var the handler reads the queue URL from. */
  readonly envVar: string;
}

export interface QueueConsumption {
  readonly queue: IQueue;
  /** Records per invocation. */
  readonly batchSize: number;
  /** Concurrent invocations the event source may start at most (2 to 1000). */
  readonly maxConcurrency: number;
}

export interface TopicBinding {
  readonly topic: ITopic;
  /** The env var the handler reads the topic ARN from. */
  readonly envVar: string;
}

export class NodeFunction extends NodejsFunction {
  /**
   * Receives every asynchronous event the function could not process (it failed, or it was
   * throttled past its maximum event age) with the request and the error: the function's
   * on-failure destination. Encrypted (SSE-SQS) and TLS-only. Only for `invocation: 'async'`.
   */
  readonly failureQueue?: Queue;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    const { handlerFile, environment, bundledFiles = {}, invocation, ...options } = props;
    // Created before super() so they can be passed in; their scope is the parent, hence the id
    // prefix.
    const failureQueue =
      invocation === 'async'
        ? new Queue(scope, `${id}FailureQueue`, {
            encryption: QueueEncryption.SQS_MANAGED,
            enforceSSL: true,
            // The longest SQS allows: time to look at a failure after a weekend or a holiday.
            retentionPeriod: Duration.days(14),
          })
        : undefined;
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: RetentionDays.ONE_MONTH,
      // The logs live and die with their function; the tables hold the data worth keeping.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      ...options,
      entry: path.join(HANDLERS_DIR, handlerFile),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      logGroup,
      tracing: Tracing.ACTIVE,
      ...(failureQueue && { onFailure: new SqsDestination(failureQueue) }),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE_TARGET,
        esbuildArgs: {
          // Passed as an argument: aws-cdk-lib 2.27x accepts a `charset` prop but never hands it
          // to esbuild (the bundles stayed ASCII-escaped).
          '--charset': BUNDLE_CHARSET,
          '--alias': Object.entries(BUNDLE_ALIASES).map(([name, file]) => `${name}=${file}`),
        },
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        banner: ESM_REQUIRE_BANNER,
        // The AWS SDK v3 that the Node.js 24 runtime ships is used, not bundled: it is ~350 KB of
        // each bundle and of every cold start, kept patched by AWS. The APIs we call (DynamoDB,
        // SNS, SQS) are stable across v3 minor versions; our tests pin the version we develop on.
        bundleAwsSDK: false,
        // esbuild is a devDependency; synth must never need Docker.
        forceDockerBundling: false,
        ...(Object.keys(bundledFiles).length > 0 && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) =>
              Object.entries(bundledFiles).map(
                ([name, source]) =>
                  `cp ${shellQuote(source)} ${shellQuote(path.join(outputDir, name))}`,
              ),
          },
        }),
      },
    });
    this.failureQueue = failureQueue;
    this.acknowledgeNagFindings();
  }

  /** The cdk-nag findings every NodeFunction has by design, acknowledged on its own resources. */
  private acknowledgeNagFindings(): void {
    if (!this.failureQueue) {
      const reason =
        'Never invoked asynchronously: its callers wait for the result (an SQS event source, whose ' +
        'failed records stay in the queue and then go to its dead-letter queue; API Gateway, ' +
        'which answers the client with the error; a deploy trigger, which fails the deploy).';
      Validations.of(this).acknowledge(
        { id: 'Serverless-LambdaDLQ', reason },
        { id: 'Serverless-LambdaAsyncFailureDestination', reason },
      );
      this.acknowledgeRoleFindings();
      return;
    }
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Failed asynchronous events go to failureQueue through the on-failure destination, which ' +
        'records the request and the error; a DeadLetterConfig as well would queue each failure twice.',
    });
    Validations.of(this.failureQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the function's dead-letter (on-failure) queue itself: the end of the line.",
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          "This queue is the function's dead-letter (on-failure) queue itself: the end of the line.",
      },
    );
    this.acknowledgeRoleFindings();
  }

  private acknowledgeRoleFindings(): void {
    if (this.role) {
      Validations.of(this.role).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            'The AWS-managed basic execution policy only lets the function write its own logs.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no ' +
            'resource-level permissions, so AWS requires Resource "*".',
        },
      );
    }
  }

  /** Passes the table name in `envVar` and grants exactly `access` on the table and its indexes. */
  bindTable({ table, envVar, access }: TableBinding): void {
    this.addEnvironment(envVar, table.tableName);
    if (access === 'read') {
      table.grants.readData(this);
    } else {
      table.grants.readWriteData(this);
    }
  }

  /**
   * Passes the table name in `envVar` and grants exactly `actions` on the table and Query on the
   * named indexes, each by its ARN: for a function that needs less than `read`.
   */
  bindTableActions({ table, envVar, actions, queryIndexes }: TableActionsBinding): void {
    this.addEnvironment(envVar, table.tableName);
    if (actions.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({ actions: [...actions], resources: [table.tableArn] }),
      );
    }
    if (queryIndexes.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: queryIndexes.map((index) => `${table.tableArn}/index/${index}`),
        }),
      );
    }
  }

  /** Passes the queue URL in `envVar` and grants sending to that queue only. */
  bindQueueForSend({ queue, envVar }: QueueBinding): void {
    this.addEnvironment(envVar, queue.queueUrl);
    queue.grantSendMessages(this);
  }

  /**
   * Makes the function the consumer of `queue`: an event source mapping with partial batch
   * responses (the handler returns `batchItemFailures`, and only those records come back), and
   * the grants to receive and delete on that queue only.
   */
  consumeQueue({ queue, batchSize, maxConcurrency }: QueueConsumption): void {
    this.addEventSource(
      new SqsEventSource(queue, { batchSize, maxConcurrency, reportBatchItemFailures: true }),
    );
  }

  /** Passes the topic ARN in `envVar` and grants sns:Publish on that topic only. */
  bindTopicForPublish({ topic, envVar }: TopicBinding): void {
    this.addEnvironment(envVar, topic.topicArn);
    TopicGrants.fromTopic(topic).publish(this);
  }

  /**
   * Lets the function use the audience topics (created at run time, one per audience, named
   * `<prefix>-aud-…`) with `actions`, sns:Publish by default, and tells it the prefix. The topics
   * are encrypted with the AWS-managed SNS key, whose use SNS makes on a publisher's behalf.
   */
  bindAudienceTopics({
    prefix,
    envVar,
    actions = ['sns:Publish'],
  }: {
    prefix: string;
    envVar: string;
    actions?: readonly string[];
  }): void {
    this.addEnvironment(envVar, prefix);
    const stack = Stack.of(this);
    const topics = stack.formatArn({ service: 'sns', resource: `${prefix}-aud-*` });
    this.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [topics] }));
    const publishes = actions.includes('sns:Publish');
    if (publishes) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
          conditions: {
            StringEquals: { 'kms:ViaService': `sns.${stack.region}.amazonaws.com` },
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': AUDIENCE_TOPIC_KMS_KEY },
          },
        }),
      );
    }
    if (!this.role) return;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:${prefix}-aud-*]`,
      reason:
        'The audience topics are created at run time, one per audience, so their ARNs are ' +
        `unknown at deploy time; the grant is ${actions.join(', ')} on the ${prefix}-aud-* names only.`,
    });
    if (!publishes) return;
    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
        reason:
          'The AWS-managed SNS key has no ARN known at deploy time; the statement holds only ' +
          'through SNS in this region (kms:ViaService) and only for the alias/aws/sns key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'SNS asks for a data key of whichever GenerateDataKey variant it needs on publish; the ' +
          'statement is limited to the AWS-managed SNS key through SNS.',
      },
    );
  }
}

/** One argument for the POSIX shell local bundling runs its hooks in. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
