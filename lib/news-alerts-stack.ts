/**
 * NewsAlertsStack: the first deployable shape of news-alerts. Four DynamoDB tables keyed exactly
 * as functions/adapters/dynamodb/tables.ts says, the alerts topic, and the scheduled poll function
 * wired to them with least-privilege grants.
 *
 * It is one stack for now. The planned split keeps the data (tables, topic) in a stateful stack
 * and the functions and schedule in a stateless one: the `tables` and `alertsTopic` fields are
 * what the stateless side will receive as props, and every table already has RETAIN and PITR.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  Billing,
  ProjectionType,
  type TablePropsV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { z } from 'zod';
import {
  FEED_DUE_INDEX,
  type TableNames,
  TTL_ATTRIBUTE,
  tableKeys,
} from '../functions/adapters/dynamodb/tables';
import { NodeFunction } from './constructs/node-function';

export const DEFAULT_POLL_SCHEDULE = 'rate(15 minutes)';

/** The env vars functions/handlers/poll.ts reads its table names from. */
export const TABLE_ENV_VARS: Readonly<Record<keyof TableNames, string>> = {
  feeds: 'FEEDS_TABLE',
  articles: 'ARTICLES_TABLE',
  topics: 'TOPICS_TABLE',
  matches: 'MATCHES_TABLE',
  subscriptions: 'SUBSCRIPTIONS_TABLE',
  deliveries: 'DELIVERIES_TABLE',
  stories: 'STORIES_TABLE',
};
/** The env var the functions read the audience topics' name prefix from. */
export const AUDIENCE_TOPIC_PREFIX_ENV_VAR = 'AUDIENCE_TOPIC_PREFIX';
export const DIGEST_SCHEDULE = 'rate(1 hour)';

export class InvalidPollScheduleError extends Error {
  override readonly name = 'InvalidPollScheduleError';
}

export interface NewsAlertsStackProps extends StackProps {
  /**
   * EventBridge schedule expression for the poll: `rate(...)` or `cron(...)`.
   * @default rate(15 minutes)
   */
  readonly pollSchedule?: string;
}

export class NewsAlertsStack extends Stack {
  readonly tables: Readonly<Record<keyof TableNames, TableV2>>;
  readonly pollFunction: NodeFunction;
  readonly pollRule: Rule;
  readonly digestFunction: NodeFunction;
  readonly digestRule: Rule;
  /** Audience topics are named `<prefix>-aud-…` (see functions/core/subscriptions). */
  readonly audienceTopicPrefix: string;

  constructor(scope: Construct, id: string, props: NewsAlertsStackProps = {}) {
    super(scope, id, props);
    // First, so a bad schedule fails before anything is bundled.
    const pollSchedule = parsePollSchedule(props.pollSchedule ?? DEFAULT_POLL_SCHEDULE);

    this.tables = this.createTables();

    // Alerts go to one SNS topic per audience (subscribers with the same channel, topics and
    // mode), created when the first subscriber joins; docs/delivery.md explains why.
    this.audienceTopicPrefix = this.stackName;

    this.pollFunction = new NodeFunction(this, 'PollFunction', {
      handlerFile: 'poll.ts',
      description: 'Polls the due feeds, stores new articles, matches topics, publishes alerts',
      timeout: Duration.minutes(5),
      memorySize: 1024,
      // One poll at a time: a tick that arrives while a poll runs is throttled rather than run
      // alongside it.
      reservedConcurrentExecutions: 1,
      // No retries of a failed or throttled tick: the next tick is the retry. Lambda keeps a
      // throttled async event and retries it for up to six hours by default; one minute (the
      // minimum) drops it instead of running a stale poll late.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    });
    // The poll writes to every table; it also seeds the topic pack on its first run.
    for (const name of tableNameKeys) {
      this.pollFunction.bindTable({
        table: this.tables[name],
        envVar: TABLE_ENV_VARS[name],
        access: 'readWrite',
      });
    }
    this.pollFunction.bindAudienceTopics({
      prefix: this.audienceTopicPrefix,
      envVar: AUDIENCE_TOPIC_PREFIX_ENV_VAR,
    });

    // An EventBridge rule rather than EventBridge Scheduler: a fixed-rate poll needs none of
    // Scheduler's extras (time zones, one-off `at()`, flexible windows), and the rule invokes
    // through a Lambda resource policy, with no IAM role to create and grant.
    this.pollRule = new Rule(this, 'PollSchedule', {
      description: 'Starts a poll of the due news feeds',
      schedule: Schedule.expression(pollSchedule),
      targets: [new LambdaFunction(this.pollFunction, { retryAttempts: 0 })],
    });

    this.digestFunction = new NodeFunction(this, 'DigestFunction', {
      handlerFile: 'digest.ts',
      description: 'Sends the hourly and daily digests of queued stories',
      timeout: Duration.minutes(5),
      memorySize: 512,
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    });
    for (const name of ['subscriptions', 'deliveries', 'stories'] as const) {
      this.digestFunction.bindTable({
        table: this.tables[name],
        envVar: TABLE_ENV_VARS[name],
        access: name === 'subscriptions' || name === 'stories' ? 'read' : 'readWrite',
      });
    }
    this.digestFunction.bindAudienceTopics({
      prefix: this.audienceTopicPrefix,
      envVar: AUDIENCE_TOPIC_PREFIX_ENV_VAR,
    });
    this.digestRule = new Rule(this, 'DigestSchedule', {
      description: 'Sends the digests whose period ended',
      schedule: Schedule.expression(DIGEST_SCHEDULE),
      targets: [new LambdaFunction(this.digestFunction, { retryAttempts: 0 })],
    });

    for (const name of tableNameKeys) {
      new CfnOutput(this, `${capitalize(name)}TableName`, {
        description: `DynamoDB table read from ${TABLE_ENV_VARS[name]}`,
        value: this.tables[name].tableName,
      });
    }
    new CfnOutput(this, 'AudienceTopicPrefix', {
      description: 'Name prefix of the per-audience SNS topics alerts are published to',
      value: this.audienceTopicPrefix,
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
    const kept = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
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
}

const tableNameKeys = Object.keys(TABLE_ENV_VARS) as (keyof TableNames)[];

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

const RATE_EXPRESSION = /^rate\((?<value>\d+) (?<unit>minute|hour|day)(?<plural>s?)\)$/;
const CRON_EXPRESSION = /^cron\((?<fields>[^()]*)\)$/;
const CRON_FIELD = /^[0-9A-Za-z,\-*?/#]+$/;

/** What is wrong with an EventBridge schedule expression, or undefined when nothing is. */
function scheduleProblem(expression: string): string | undefined {
  const rate = RATE_EXPRESSION.exec(expression)?.groups;
  if (rate) {
    const value = Number(rate.value);
    const plural = rate.plural === 's';
    if (value < 1) return 'a rate must be at least 1';
    if (value === 1 && plural) return `EventBridge wants the singular: rate(1 ${rate.unit})`;
    if (value > 1 && !plural) return `EventBridge wants the plural: rate(${value} ${rate.unit}s)`;
    return undefined;
  }
  const cron = CRON_EXPRESSION.exec(expression)?.groups;
  if (cron) {
    const fields = (cron.fields ?? '').trim().split(/\s+/);
    if (fields.length !== 6) {
      return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), not ${fields.length}`;
    }
    if (!fields.every((field) => CRON_FIELD.test(field))) {
      return 'a cron field may hold only digits, names and , - * ? / L W #';
    }
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      return 'exactly one of day-of-month and day-of-week must be ?';
    }
    return undefined;
  }
  return 'expected rate(<n> <minute|hour|day>[s]) or cron(<6 fields>)';
}

const PollScheduleSchema = z
  .string({ error: 'it must be a string' })
  .trim()
  .superRefine((expression, context) => {
    const problem = scheduleProblem(expression);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/**
 * Checks a poll schedule (from CDK context or props) and returns it trimmed. CloudFormation would
 * reject a bad expression only halfway through a deploy, and roll it back; this fails synth.
 */
export function parsePollSchedule(value: unknown): string {
  const result = PollScheduleSchema.safeParse(value);
  if (result.success) return result.data;
  const reasons = result.error.issues.map((issue) => issue.message).join('; ');
  throw new InvalidPollScheduleError(
    `Invalid pollSchedule ${JSON.stringify(value)}: ${reasons}. ` +
      `Pass an EventBridge schedule expression, e.g. -c pollSchedule="${DEFAULT_POLL_SCHEDULE}" ` +
      'or -c pollSchedule="cron(0/15 * * * ? *)".',
  );
}
