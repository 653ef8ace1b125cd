/**
 * NewsAlertsStatefulStack: what news-alerts must never lose. The DynamoDB tables, keyed exactly as
 * functions/adapters/dynamodb/tables.ts says, and the operator topic the alarms notify. Nothing
 * here changes when a function does, so a redeploy of the stateless stack never touches data.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  ProjectionType,
  type TablePropsV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  ARTICLE_DAY_INDEX,
  ARTICLE_DAY_INDEX_ATTRIBUTES,
  FEED_DUE_INDEX,
  type TableNames,
  TTL_ATTRIBUTE,
  tableKeys,
} from '../functions/adapters/dynamodb/tables';

export type NewsAlertsTables = Readonly<Record<keyof TableNames, TableV2>>;

export interface NewsAlertsStatefulStackProps extends StackProps {
  /**
   * Subscribed to the operator topic by email. AWS sends it a confirmation link first; the alarms
   * reach it only once that is followed.
   * @default no subscription: subscribe the on-call address yourself
   */
  readonly operatorEmail?: string;
}

export class NewsAlertsStatefulStack extends Stack {
  readonly tables: NewsAlertsTables;
  /** Where the alarms of news-alerts go; subscribe the on-call address to it. */
  readonly operatorTopic: Topic;

  constructor(scope: Construct, id: string, props: NewsAlertsStatefulStackProps = {}) {
    const { operatorEmail, ...stackProps } = props;
    super(scope, id, stackProps);
    this.tables = this.createTables();
    this.operatorTopic = this.createOperatorTopic();
    if (operatorEmail !== undefined) {
      const subscription = this.operatorTopic.addSubscription(new EmailSubscription(operatorEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'A dead-letter queue for the operator email would keep alarm notifications no one is ' +
          'told about: its own alarm could only notify this same topic. The alarm states stay in ' +
          'CloudWatch and on the dashboard.',
      });
    }

    new CfnOutput(this, 'OperatorTopicArn', {
      description: 'SNS topic the alarms notify; subscribe the on-call address to it',
      value: this.operatorTopic.topicArn,
    });
  }

  /**
   * TableV2 (AWS::DynamoDB::GlobalTable) rather than Table: it is the construct CDK maintains
   * going forward, a second region becomes a `replicas` entry instead of a migration, and moving
   * a retained table from Table to TableV2 later means an import dance on live data. The keys
   * come from tables.ts, the same module the local runner builds its tables from.
   */
  private createTables(): Record<keyof TableNames, TableV2> {
    const stringAttribute = (name: string): Attribute => ({ name, type: AttributeType.STRING });
    // Three locks on the data: deletion protection refuses a DeleteTable (from a console slip or
    // a stack deletion alike), RETAIN leaves the table behind if the stack goes, and PITR undoes
    // a bad write of the last 35 days.
    const kept = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    } satisfies Partial<TablePropsV2>;

    return {
      feeds: new TableV2(this, 'FeedsTable', {
        ...kept,
        partitionKey: stringAttribute(tableKeys.feeds.partitionKey),
        globalSecondaryIndexes: [
          {
            indexName: FEED_DUE_INDEX,
            partitionKey: stringAttribute(tableKeys.feedDueIndex.partitionKey),
            sortKey: stringAttribute(tableKeys.feedDueIndex.sortKey),
            projectionType: ProjectionType.ALL,
          },
        ],
      }),
      articles: new TableV2(this, 'ArticlesTable', {
        ...kept,
        partitionKey: stringAttribute(tableKeys.articles.partitionKey),
        timeToLiveAttribute: TTL_ATTRIBUTE,
        globalSecondaryIndexes: [
          {
            indexName: ARTICLE_DAY_INDEX,
            partitionKey: stringAttribute(tableKeys.articleDayIndex.partitionKey),
            sortKey: stringAttribute(tableKeys.articleDayIndex.sortKey),
            projectionType: ProjectionType.INCLUDE,
            nonKeyAttributes: [...ARTICLE_DAY_INDEX_ATTRIBUTES],
          },
        ],
      }),
      topics: new TableV2(this, 'TopicsTable', {
        ...kept,
        partitionKey: stringAttribute(tableKeys.topics.partitionKey),
        sortKey: stringAttribute(tableKeys.topics.sortKey),
      }),
      matches: new TableV2(this, 'MatchesTable', {
        ...kept,
        partitionKey: stringAttribute(tableKeys.matches.partitionKey),
        sortKey: stringAttribute(tableKeys.matches.sortKey),
        timeToLiveAttribute: TTL_ATTRIBUTE,
      }),
      subscriptions: new TableV2(this, 'SubscriptionsTable', {
        ...kept,
        partitionKey: stringAttribute(tableKeys.subscriptions.partitionKey),
        sortKey: stringAttribute(tableKeys.subscriptions.sortKey),
      }),
      stories: new TableV2(this, 'StoriesTable', {
        ...kept,
        partitionKey: stringAttribute(tableKeys.stories.partitionKey),
        sortKey: stringAttribute(tableKeys.stories.sortKey),
        timeToLiveAttribute: TTL_ATTRIBUTE,
      }),
      deliveries: new TableV2(this, 'DeliveriesTable', {
        ...kept,
        partitionKey: stringAttribute(tableKeys.deliveries.partitionKey),
        sortKey: stringAttribute(tableKeys.deliveries.sortKey),
        timeToLiveAttribute: TTL_ATTRIBUTE,
      }),
    };
  }

  /**
   * Encrypted with a key of our own, not the AWS-managed SNS key: CloudWatch alarms cannot
   * publish to a topic under the AWS-managed key, whose policy we cannot extend to them.
   */
  private createOperatorTopic(): Topic {
    const key = new Key(this, 'OperatorTopicKey', {
      description: 'Encrypts the news-alerts operator topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.grant(
      new ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    return new Topic(this, 'OperatorTopic', {
      displayName: 'news-alerts operator',
      masterKey: key,
      enforceSSL: true,
    });
  }
}
