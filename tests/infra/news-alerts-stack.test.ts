/**
 * The synthesized news-alerts app, both stacks: the properties that matter (keys that agree with
 * tables.ts, retention of data, the exact IAM resources, the schedule wiring), asserted one by one.
 * The stateless stack reaches the tables through cross-stack references; `fromStateful` follows
 * each one back to the stateful stack's value so assertions compare the real table names and ARNs.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnRule } from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type TableNames, tableSchemas } from '../../functions/adapters/dynamodb/tables';
import {
  addNewsAlertsStacks,
  InvalidPollScheduleError,
  type NewsAlertsStatefulStack,
  type NewsAlertsStatelessStack,
  parsePollSchedule,
} from '../../lib/news-alerts-stack';
import { heartbeatPeriodMinutes } from '../../lib/schedules';
import { cdkAppContext, followStatefulOutputs } from '../support/cdk';

const tableNames = [
  'feeds',
  'articles',
  'topics',
  'matches',
  'subscriptions',
  'deliveries',
  'stories',
] as const satisfies (keyof TableNames)[];

interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The schema tables.ts declares for one table, with placeholder names as table names. */
function declaredSchema(name: keyof TableNames): CreateTableCommandInput {
  const schema = tableSchemas({
    feeds: 'feeds',
    articles: 'articles',
    topics: 'topics',
    matches: 'matches',
    subscriptions: 'subscriptions',
    deliveries: 'deliveries',
    stories: 'stories',
  }).find((candidate) => candidate.TableName === name);
  if (!schema) throw new Error(`tables.ts declares no ${name} table`);
  return schema;
}

const byAttributeName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
  (a.AttributeName ?? '').localeCompare(b.AttributeName ?? '');

describe('news-alerts stacks', () => {
  let stateful: NewsAlertsStatefulStack;
  let stack: NewsAlertsStatelessStack;
  let statefulTemplate: Template;
  let template: Template;
  let resources: Record<string, CfnResource>;
  let statefulResources: Record<string, CfnResource>;

  /** Replaces every cross-stack reference in `value` with what the stateful stack outputs. */
  const fromStateful = (value: unknown): unknown =>
    followStatefulOutputs(stateful, statefulTemplate)(value);
  const logicalId = (construct: IConstruct): string =>
    Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
  const resourceOf = (construct: IConstruct): CfnResource => {
    const all = Stack.of(construct) === stateful ? statefulResources : resources;
    const resource = all[logicalId(construct)];
    if (!resource) throw new Error(`no resource for ${construct.node.path}`);
    return resource;
  };
  const table = (name: keyof TableNames): TableV2 => stateful.tables[name];
  const tableName = (name: keyof TableNames): unknown => stateful.resolve(table(name).tableName);
  const tableArn = (name: keyof TableNames): unknown => stateful.resolve(table(name).tableArn);

  /** Every statement of every IAM policy attached to the poll worker's role. */
  const pollRoleStatements = (): PolicyStatement[] => roleStatements(stack.pollWorker);
  const roleStatements = (fn: NewsAlertsStatelessStack['pollWorker']): PolicyStatement[] => {
    const role = stack.resolve(fn.role?.roleName);
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) =>
        (policy.Properties.Roles as unknown[]).some(
          (attached) => JSON.stringify(attached) === JSON.stringify(role),
        ),
      )
      .flatMap(
        (policy) => fromStateful(policy.Properties.PolicyDocument.Statement) as PolicyStatement[],
      );
  };

  beforeAll(() => {
    // Synthesized once: this bundles the handlers with the local esbuild.
    const app = new App({ context: cdkAppContext() });
    ({ stateful, stateless: stack } = addNewsAlertsStacks(app));
    statefulTemplate = Template.fromStack(stateful);
    template = Template.fromStack(stack);
    resources = template.toJSON().Resources as Record<string, CfnResource>;
    statefulResources = statefulTemplate.toJSON().Resources as Record<string, CfnResource>;
  });

  describe('tables', () => {
    it.each(tableNames)('declares the %s keys exactly as tables.ts does', (name) => {
      // Prepare
      const declared = declaredSchema(name);

      // Act
      const { Properties } = resourceOf(table(name));

      // Assess
      expect(Properties.KeySchema).toEqual(declared.KeySchema);
      expect((Properties.AttributeDefinitions as []).toSorted(byAttributeName)).toEqual(
        declared.AttributeDefinitions?.toSorted(byAttributeName),
      );
      expect(Properties.BillingMode).toBe(declared.BillingMode);
      expect(Properties.GlobalSecondaryIndexes ?? []).toEqual(
        (declared.GlobalSecondaryIndexes ?? []).map((index) => ({
          IndexName: index.IndexName,
          KeySchema: index.KeySchema,
          Projection: index.Projection,
        })),
      );
    });

    it.each(['articles', 'matches', 'deliveries', 'stories'] as const)(
      'expires %s by expiresAt',
      (name) => {
        expect(resourceOf(table(name)).Properties.TimeToLiveSpecification).toEqual({
          AttributeName: 'expiresAt',
          Enabled: true,
        });
      },
    );

    it.each(['feeds', 'topics', 'subscriptions'] as const)('never expires %s', (name) => {
      expect(resourceOf(table(name)).Properties.TimeToLiveSpecification).toBeUndefined();
    });

    it.each(tableNames)('keeps %s: point-in-time recovery and Retain', (name) => {
      const resource = resourceOf(table(name));

      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
      expect(resource.Properties.Replicas).toEqual([
        expect.objectContaining({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ]);
    });

    it('gives no table a physical name', () => {
      for (const name of tableNames) {
        expect(resourceOf(table(name)).Properties.TableName).toBeUndefined();
      }
    });
  });

  describe('poll worker', () => {
    it('runs Node 24 on arm64 with the team defaults', () => {
      expect(resourceOf(stack.pollWorker).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 120,
        MemorySize: 1024,
        Environment: {
          Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }),
        },
      });
    });

    it('passes each table name and the audience topic prefix in the env vars the handler reads', () => {
      const { Properties } = resourceOf(stack.pollWorker);

      expect(fromStateful(Properties.Environment)).toEqual({
        Variables: expect.objectContaining({
          FEEDS_TABLE: tableName('feeds'),
          ARTICLES_TABLE: tableName('articles'),
          TOPICS_TABLE: tableName('topics'),
          MATCHES_TABLE: tableName('matches'),
          SUBSCRIPTIONS_TABLE: tableName('subscriptions'),
          DELIVERIES_TABLE: tableName('deliveries'),
          STORIES_TABLE: tableName('stories'),
          AUDIENCE_TOPIC_PREFIX: 'news-alerts',
        }),
      });
    });

    it.each(tableNames)('may read and write %s, by its ARN', (name) => {
      const arn = tableArn(name);

      const granting = pollRoleStatements().filter(
        (statement) =>
          statement.Effect === 'Allow' &&
          asArray(statement.Resource).some(
            (resource) => JSON.stringify(resource) === JSON.stringify(arn),
          ),
      );

      const actions = granting.flatMap((statement) => asArray(statement.Action));
      expect(actions).toEqual(
        expect.arrayContaining([
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
        ]),
      );
    });

    it('may query the feeds due index', () => {
      const dueIndexArn = {
        'Fn::Join': ['', [tableArn('feeds'), '/index/*']],
      };

      const statements = pollRoleStatements().filter((statement) =>
        asArray(statement.Resource).some(
          (resource) => JSON.stringify(resource) === JSON.stringify(dueIndexArn),
        ),
      );

      expect(statements.flatMap((statement) => asArray(statement.Action))).toContain(
        'dynamodb:Query',
      );
    });

    it('has no DynamoDB action on a wildcard resource', () => {
      const dynamoStatements = pollRoleStatements().filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
      );

      expect(dynamoStatements).not.toHaveLength(0);
      for (const statement of dynamoStatements) {
        expect(asArray(statement.Resource)).not.toContain('*');
      }
    });

    it('may publish to the audience topics only', () => {
      const publishing = pollRoleStatements().filter((statement) =>
        asArray(statement.Action).includes('sns:Publish'),
      );

      expect(publishing).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':sns:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':news-alerts-aud-*',
              ],
            ],
          },
        }),
      ]);
    });

    it('may use the AWS-managed SNS key only through SNS', () => {
      const kms = pollRoleStatements().filter((statement) =>
        asArray(statement.Action).includes('kms:Decrypt'),
      );

      expect(kms).toEqual([
        expect.objectContaining({
          Condition: {
            StringEquals: {
              'kms:ViaService': {
                'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
              },
            },
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/aws/sns' },
          },
        }),
      ]);
    });

    it('logs to its own log group, kept for one month', () => {
      const logGroup = stack.pollWorker.logGroup;

      expect(resourceOf(stack.pollWorker).Properties.LoggingConfig).toEqual(
        expect.objectContaining({ LogGroup: stack.resolve(logGroup.logGroupName) }),
      );
      expect(resourceOf(logGroup).Properties.RetentionInDays).toBe(30);
    });

    it('takes the feed queue 5 records at a time, at most 10 at once, reporting failed records', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: stack.resolve(stack.pollWorker.functionName),
        EventSourceArn: stack.resolve(stack.feedQueue.queue.queueArn),
        BatchSize: 5,
        ScalingConfig: { MaximumConcurrency: 10 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('may receive and delete messages of the feed queue, not send to it', () => {
      const queueArn = stack.resolve(stack.feedQueue.queue.queueArn);

      const sqs = pollRoleStatements().filter((statement) =>
        asArray(statement.Resource).some(
          (resource) => JSON.stringify(resource) === JSON.stringify(queueArn),
        ),
      );

      expect(sqs).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: expect.arrayContaining([
            'sqs:ReceiveMessage',
            'sqs:DeleteMessage',
            'sqs:ChangeMessageVisibility',
          ]),
          Resource: queueArn,
        }),
      ]);
      expect(asArray(sqs[0]?.Action ?? [])).not.toContain('sqs:SendMessage');
    });
  });

  describe('feed queue', () => {
    it('hides a message for six times the worker timeout while a worker has it', () => {
      const workerTimeout = resourceOf(stack.pollWorker).Properties.Timeout as number;

      const visibility = resourceOf(stack.feedQueue.queue).Properties.VisibilityTimeout as number;

      expect(visibility).toBe(6 * workerTimeout);
    });

    it('moves a message delivered three times to its dead-letter queue', () => {
      expect(resourceOf(stack.feedQueue.queue).Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: stack.resolve(stack.feedQueue.deadLetterQueue.queueArn),
        maxReceiveCount: 3,
      });
    });

    it.each([
      ['queue', 'queue'],
      ['dead-letter queue', 'deadLetterQueue'],
    ] as const)(
      'encrypts the %s (SSE-SQS), keeps messages 14 days, refuses plain HTTP',
      (_, key) => {
        const queue = stack.feedQueue[key];

        expect(resourceOf(queue).Properties).toMatchObject({
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: 14 * 24 * 3600,
        });
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [stack.resolve(queue.queueUrl)],
          PolicyDocument: {
            Statement: [
              {
                Action: 'sqs:*',
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                Resource: stack.resolve(queue.queueArn),
              },
            ],
          },
        });
      },
    );

    it('alarms the operator topic when the dead-letter queue holds a message', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: stack.resolve(stack.feedQueue.deadLetterQueue.queueName),
          },
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() })],
      });
    });
  });

  describe('dispatcher', () => {
    const dispatchStatements = () => roleStatements(stack.dispatchFunction);

    it('runs one tick at a time for at most a minute', () => {
      expect(resourceOf(stack.dispatchFunction).Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 60,
        MemorySize: 256,
        ReservedConcurrentExecutions: 1,
      });
    });

    it('reads the feeds table name and the feed queue URL from its env vars', () => {
      expect(fromStateful(resourceOf(stack.dispatchFunction).Properties.Environment)).toEqual({
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'news-alerts',
          FEEDS_TABLE: tableName('feeds'),
          FEED_QUEUE_URL: stack.resolve(stack.feedQueue.queue.queueUrl),
        },
      });
    });

    it('may query the due index, by its exact ARN, and nothing else in DynamoDB', () => {
      const dynamo = dispatchStatements().filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
      );

      expect(dynamo).toEqual([
        {
          Effect: 'Allow',
          Action: 'dynamodb:Query',
          Resource: { 'Fn::Join': ['', [tableArn('feeds'), '/index/due']] },
        },
      ]);
    });

    it('may send to the feed queue and to its own failure queue, nothing else in SQS', () => {
      const sqs = dispatchStatements().filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('sqs:')),
      );

      // CDK merges the two send grants (the feed queue; the failure queue, its on-failure
      // destination) into one statement.
      expect(sqs).toEqual([
        {
          Effect: 'Allow',
          Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          Resource: [
            stack.resolve(stack.dispatchFunction.failureQueue?.queueArn),
            stack.resolve(stack.feedQueue.queue.queueArn),
          ],
        },
      ]);
    });

    it('does not retry a failed or throttled tick', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: stack.resolve(stack.dispatchFunction.functionName),
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
      });
    });
  });

  describe('schedule', () => {
    it('starts the dispatcher on the default schedule, without retries', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(15 minutes)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: stack.resolve(stack.dispatchFunction.functionArn),
            RetryPolicy: { MaximumRetryAttempts: 0 },
          }),
        ],
      });
    });

    it('lets only that rule invoke the function', () => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: stack.resolve(stack.dispatchFunction.functionArn),
        SourceArn: stack.resolve(stack.pollRule.ruleArn),
      });
    });
  });

  describe('digests', () => {
    it('runs the digest function every hour, without retries', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 hour)',
        Targets: [
          Match.objectLike({
            Arn: stack.resolve(stack.digestFunction.functionArn),
            RetryPolicy: { MaximumRetryAttempts: 0 },
          }),
        ],
      });
    });

    it('reads subscriptions and stories, writes only the delivery ledger', () => {
      const statements = roleStatements(stack.digestFunction);
      const actionsOn = (name: 'subscriptions' | 'deliveries' | 'stories' | 'feeds') => {
        const arn = JSON.stringify(tableArn(name));
        return statements
          .filter((statement) =>
            asArray(statement.Resource).some((resource) => JSON.stringify(resource) === arn),
          )
          .flatMap((statement) => asArray(statement.Action));
      };

      expect(actionsOn('deliveries')).toEqual(
        expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']),
      );
      expect(actionsOn('subscriptions')).toContain('dynamodb:Query');
      expect(actionsOn('subscriptions')).not.toContain('dynamodb:PutItem');
      expect(actionsOn('stories')).not.toContain('dynamodb:PutItem');
      expect(actionsOn('feeds')).toEqual([]);
      expect(fromStateful(resourceOf(stack.digestFunction).Properties.Environment)).toEqual({
        Variables: expect.objectContaining({
          SUBSCRIPTIONS_TABLE: tableName('subscriptions'),
          DELIVERIES_TABLE: tableName('deliveries'),
          STORIES_TABLE: tableName('stories'),
        }),
      });
    });
  });

  describe('seed', () => {
    /** The seed role's statements, each statement's actions sorted (CDK reorders them). */
    const seedStatements = () =>
      roleStatements(stack.seedFunction).map((statement) => ({
        ...statement,
        Action: Array.isArray(statement.Action) ? statement.Action.toSorted() : statement.Action,
      }));

    it('may add feeds, add and read topics, manage subscriptions: exact actions on exact tables', () => {
      const dynamo = seedStatements().filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
      );

      expect(dynamo).toEqual([
        { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: tableArn('feeds') },
        {
          Effect: 'Allow',
          Action: ['dynamodb:PutItem', 'dynamodb:Query'],
          Resource: tableArn('topics'),
        },
        {
          Effect: 'Allow',
          Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
          Resource: tableArn('subscriptions'),
        },
      ]);
    });

    it('may create and subscribe audience topics only, and publish nothing', () => {
      const sns = seedStatements().filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('sns:')),
      );

      expect(sns).toEqual([
        {
          Effect: 'Allow',
          Action: ['sns:CreateTopic', 'sns:Subscribe', 'sns:TagResource', 'sns:Unsubscribe'],
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':sns:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':news-alerts-aud-*',
              ],
            ],
          },
        },
      ]);
    });

    it('runs on deploy, waited for, before the poll schedule exists', () => {
      const triggers = template.findResources('Custom::Trigger');
      const [triggerId, trigger] = Object.entries(triggers)[0] ?? [];

      expect(Object.keys(triggers)).toHaveLength(1);
      // The function's current version: a changed seed.json is a new version, which re-runs it.
      expect(trigger?.Properties.HandlerArn).toEqual(
        stack.resolve(stack.seedFunction.currentVersion.functionArn),
      );
      expect(trigger?.Properties.InvocationType).toBe('RequestResponse');
      expect(resourceOf(stack.pollRule)).toMatchObject({ DependsOn: [triggerId] });
    });
  });

  describe('monitoring', () => {
    /** The operator topic's ARN, as the stateful stack has it. */
    const operatorTopic = () => stateful.resolve(stateful.operatorTopic.topicArn);
    /** The alarm's properties, its cross-stack references followed back to the stateful stack. */
    const alarmProperties = (alarm: IConstruct): Record<string, unknown> =>
      fromStateful(resourceOf(alarm).Properties) as Record<string, unknown>;
    /** One EMF metric of the handlers, as an alarm's Metrics entry names it. */
    const emfMetric = (id: string, metricName: string, period: number) => ({
      Id: id,
      Label: metricName,
      MetricStat: {
        Metric: {
          Namespace: 'NewsAlerts',
          MetricName: metricName,
          Dimensions: [{ Name: 'service', Value: 'news-alerts' }],
        },
        Period: period,
        Stat: 'Sum',
      },
      ReturnData: false,
    });

    it.each([
      ['Dispatcher', () => stack.dispatchFunction],
      ['PollWorker', () => stack.pollWorker],
      ['Digest', () => stack.digestFunction],
    ] as const)('alarms the operator topic on any %s error in five minutes', (label, fn) => {
      const alarm = stack.monitoring.errorAlarms[label];
      if (!alarm) throw new Error(`no errors alarm for ${label}`);

      expect(alarmProperties(alarm)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(fn().functionName) }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [operatorTopic()],
      });
    });

    it('alarms the operator topic when more than half the feeds polled in 30 minutes failed', () => {
      expect(alarmProperties(stack.monitoring.feedFailureRatioAlarm)).toMatchObject({
        Metrics: [
          expect.objectContaining({ Expression: 'failed / polled', ReturnData: true }),
          emfMetric('failed', 'FeedsFailed', 1800),
          emfMetric('polled', 'FeedsPolled', 1800),
        ],
        EvaluationPeriods: 1,
        Threshold: 0.5,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [operatorTopic()],
      });
    });

    it('alarms the operator topic on the first alert or digest that could not be published', () => {
      expect(alarmProperties(stack.monitoring.publishFailuresAlarm)).toMatchObject({
        Metrics: [
          expect.objectContaining({
            Expression: 'FILL(alertFailures, 0) + FILL(digestFailures, 0)',
            ReturnData: true,
          }),
          emfMetric('alertFailures', 'AlertFailures', 300),
          emfMetric('digestFailures', 'DigestFailures', 300),
        ],
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [operatorTopic()],
      });
    });

    it('alarms the operator topic on the first delivery parked as a dead letter', () => {
      const {
        Id: _id,
        ReturnData: _returnData,
        ...deadLetters
      } = emfMetric('m', 'DeadLetters', 300);
      expect(alarmProperties(stack.monitoring.deadLettersAlarm)).toMatchObject({
        Metrics: [expect.objectContaining({ ...deadLetters, ReturnData: true })],
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [operatorTopic()],
      });
    });

    it('alarms the operator topic when the dispatcher has not run for two poll intervals', () => {
      expect(alarmProperties(stack.monitoring.heartbeatAlarm)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Invocations',
        Dimensions: [
          { Name: 'FunctionName', Value: stack.resolve(stack.dispatchFunction.functionName) },
        ],
        Statistic: 'Sum',
        // rate(15 minutes) by default: 30 minutes without a tick.
        Period: 1800,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        // No invocation gives no datapoint at all: that silence is what the alarm is for.
        TreatMissingData: 'breaching',
        AlarmActions: [operatorTopic()],
      });
    });

    it('keeps the dead-letter and failure queue alarms on the operator topic', () => {
      for (const queue of [
        stack.feedQueue.deadLetterQueue,
        stack.dispatchFunction.failureQueue,
        stack.digestFunction.failureQueue,
      ]) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: stack.resolve(queue?.queueName) }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
    });

    it('gives the functions invoked synchronously (queue consumer, deploy trigger) no failure queue', () => {
      for (const fn of [stack.pollWorker, stack.seedFunction]) {
        expect(fn.failureQueue).toBeUndefined();
        expect(
          Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map((config) =>
            JSON.stringify(config.Properties.FunctionName),
          ),
        ).not.toContain(JSON.stringify(stack.resolve(fn.functionName)));
      }
    });

    describe('dashboard', () => {
      interface Widget {
        type: string;
        properties: { title?: string; metrics?: unknown[][] };
      }
      /** The dashboard body as JSON, each token (the region, queue and function names) as TOKEN. */
      const widgets = (): Widget[] => {
        const body = resourceOf(stack.monitoring.dashboard).Properties.DashboardBody as {
          'Fn::Join': [string, unknown[]];
        };
        const text = body['Fn::Join'][1]
          .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
          .join('');
        return (JSON.parse(text) as { widgets: Widget[] }).widgets;
      };
      const widget = (title: string): Widget => {
        const found = widgets().find((candidate) => candidate.properties.title === title);
        if (!found) throw new Error(`no widget titled ${title}`);
        return found;
      };
      /** The NewsAlerts metric names a widget graphs (with the service dimension). */
      const pipelineMetricNames = (title: string): unknown[] =>
        (widget(title).properties.metrics ?? [])
          .filter(
            ([namespace, , dimension, value]) =>
              namespace === 'NewsAlerts' && dimension === 'service' && value === 'news-alerts',
          )
          .map(([, name]) => name);

      it('graphs the feeds polled, unchanged and failed from the NewsAlerts namespace', () => {
        expect(pipelineMetricNames('Feeds')).toEqual(
          expect.arrayContaining(['FeedsPolled', 'FeedsUnchanged', 'FeedsFailed']),
        );
      });

      it('graphs articles, matches, stories and deliveries', () => {
        expect(pipelineMetricNames('Articles and stories')).toEqual(
          expect.arrayContaining(['NewArticles', 'Matches', 'Stories']),
        );
        expect(pipelineMetricNames('Deliveries')).toEqual(
          expect.arrayContaining(['Deliveries', 'QueuedForDigest', 'Digests']),
        );
      });

      it('graphs every failure count the alarms read', () => {
        expect(pipelineMetricNames('Failures')).toEqual(
          expect.arrayContaining(['FeedsFailed', 'AlertFailures', 'DigestFailures', 'DeadLetters']),
        );
      });

      it("graphs the dead-letter queue depths and the functions' errors and durations", () => {
        const queueDepths = widget('Dead-letter queue depths').properties.metrics ?? [];
        expect(queueDepths).toHaveLength(3);
        for (const metric of queueDepths) {
          expect(metric.slice(0, 3)).toEqual([
            'AWS/SQS',
            'ApproximateNumberOfMessagesVisible',
            'QueueName',
          ]);
        }
        for (const [title, metricName] of [
          ['Function errors', 'Errors'],
          ['Function durations (p99)', 'Duration'],
        ] as const) {
          expect(widget(title).properties.metrics?.map((metric) => metric.slice(0, 3))).toEqual([
            ['AWS/Lambda', metricName, 'FunctionName'],
            ['AWS/Lambda', metricName, 'FunctionName'],
            ['AWS/Lambda', metricName, 'FunctionName'],
          ]);
        }
      });
    });
  });

  it('outputs the table names and the audience topic prefix', () => {
    for (const name of tableNames) {
      const outputId = `${name.charAt(0).toUpperCase()}${name.slice(1)}TableName`;
      const output = (template.toJSON().Outputs as Record<string, { Value: unknown }>)[outputId];
      expect(fromStateful(output?.Value)).toEqual(tableName(name));
    }
    template.hasOutput('AudienceTopicPrefix', { Value: 'news-alerts' });
  });
});

describe('dispatcher heartbeat period', () => {
  it.each([
    ['rate(15 minutes)', 30],
    ['rate(1 minute)', 10],
    ['rate(2 hours)', 240],
    ['rate(1 day)', 1440],
    ['rate(3 days)', 1440],
    ['cron(0/15 * * * ? *)', 1440],
  ])('is %s → %i minutes', (schedule, minutes) => {
    expect(heartbeatPeriodMinutes(schedule)).toBe(minutes);
  });
});

describe('poll schedule', () => {
  it.each([
    'rate(15 minutes)',
    'rate(1 hour)',
    'rate(2 days)',
    'cron(0/15 * * * ? *)',
    'cron(0 6 ? * MON-FRI *)',
  ])('accepts %s', (expression) => {
    expect(parsePollSchedule(expression)).toBe(expression);
  });

  it.each([
    ['every 15 minutes', /expected rate\(/],
    ['rate(15 minute)', /plural: rate\(15 minutes\)/],
    ['rate(1 minutes)', /singular: rate\(1 minute\)/],
    ['rate(0 minutes)', /at least 1/],
    ['rate(15 seconds)', /expected rate\(/],
    ['cron(0 12 * * *)', /6 fields/],
    ['cron(0 12 * * * *)', /exactly one of day-of-month and day-of-week/],
    [42, /must be a string/],
  ])('rejects %s with a message that says why', (value, reason) => {
    expect(() => parsePollSchedule(value)).toThrow(InvalidPollScheduleError);
    expect(() => parsePollSchedule(value)).toThrow(reason);
  });

  it('fails the stack before anything is built', () => {
    const app = new App({ context: cdkAppContext() });

    expect(() => addNewsAlertsStacks(app, { pollSchedule: 'rate(15 minute)' })).toThrow(
      'Invalid pollSchedule "rate(15 minute)": EventBridge wants the plural: rate(15 minutes).',
    );
  });

  it('puts a valid custom schedule on the rule', () => {
    // An empty bundling-stacks list (what `cdk deploy --exclusively` uses) skips esbuild here.
    const app = new App({ context: { ...cdkAppContext(), 'aws:cdk:bundling-stacks': [] } });
    const { stateless } = addNewsAlertsStacks(app, { pollSchedule: 'cron(0/30 * * * ? *)' });

    const rule = stateless.pollRule.node.defaultChild as CfnRule;
    expect(rule.scheduleExpression).toBe('cron(0/30 * * * ? *)');
  });
});
