/**
 * What makes the two stacks fit for production: data that survives, failures that are kept and
 * reported, and no cdk-nag finding (AwsSolutions, Serverless) that nobody acknowledged.
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addNewsAlertsStacks,
  complianceChecks,
  type NewsAlertsStacks,
} from '../../lib/news-alerts-stack';
import { cdkAppContext } from '../support/cdk';

describe('production stacks', () => {
  let app: App;
  let stacks: NewsAlertsStacks;
  let stateful: Template;
  let stateless: Template;

  beforeAll(() => {
    app = new App({ context: cdkAppContext() });
    stacks = addNewsAlertsStacks(app);
    stateful = Template.fromStack(stacks.stateful);
    stateless = Template.fromStack(stacks.stateless);
  });

  it('protects every table from deletion', () => {
    const tables = Object.values(stateful.findResources('AWS::DynamoDB::GlobalTable'));

    expect(tables).toHaveLength(Object.keys(stacks.stateful.tables).length);
    for (const table of tables) {
      expect(table.Properties.Replicas).toEqual([
        expect.objectContaining({ DeletionProtectionEnabled: true }),
      ]);
    }
  });

  it('keeps the tables in the stateful stack only', () => {
    expect(stateless.findResources('AWS::DynamoDB::GlobalTable')).toEqual({});
    expect(stateless.findResources('AWS::DynamoDB::Table')).toEqual({});
  });

  it('encrypts the operator topic with a rotated key and refuses publishers without TLS', () => {
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    stateful.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
    });
    stateful.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  describe.each(['dispatchFunction', 'digestFunction'] as const)('%s', (name) => {
    it('sends the events it could not process to its own encrypted, TLS-only queue', () => {
      const fn = stacks.stateless[name];
      const queue = stacks.stateless.resolve(fn.failureQueue?.queueArn);

      stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: stacks.stateless.resolve(fn.functionName),
        DestinationConfig: { OnFailure: { Destination: queue } },
      });
      stateless.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [stacks.stateless.resolve(fn.failureQueue?.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('alarms the operator topic when its failure queue holds a message', () => {
      const fn = stacks.stateless[name];

      stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: stacks.stateless.resolve(fn.failureQueue?.queueName) },
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() })],
      });
    });

    it('is traced with X-Ray', () => {
      const fn = stacks.stateless[name];
      const logicalId = stacks.stateless.getLogicalId(fn.node.defaultChild as CfnElement);

      expect(stateless.toJSON().Resources[logicalId].Properties.TracingConfig).toEqual({
        Mode: 'Active',
      });
    });
  });

  it('has no cdk-nag finding that is not acknowledged with a reason', () => {
    const findings = complianceChecks(app).flatMap((pack) =>
      pack.validateScope(app).violations.map((violation) => ({
        rule: violation.ruleName,
        resources: violation.violatingResources.map((resource) => resource.constructPath),
      })),
    );

    expect(findings).toEqual([]);
  });
});
