/**
 * NewsAlertsStatelessStack: the code of news-alerts. The scheduled dispatcher, the feed queue and
 * its poll workers, and the scheduled digest function, wired with least-privilege grants to the
 * tables and the operator topic it receives as props from NewsAlertsStatefulStack (cross-stack
 * references), an alarm on each failure and dead-letter queue, and the pipeline's monitoring
 * (constructs/pipeline-monitoring.ts: alarms on errors and the EMF metrics, a dashboard). And the
 * topic dashboard for readers: its HTTP API (constructs/dashboard-api.ts) and its web page behind
 * CloudFront (constructs/dashboard-site.ts). It owns no data: it can be destroyed and deployed
 * again at any time.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { InvocationType, Trigger } from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import {
  ARTICLE_DAY_INDEX,
  FEED_DUE_INDEX,
  type TableNames,
} from '../functions/adapters/dynamodb/tables';
import { parseFeedList } from '../functions/core/feeds/feed-list';
import type { FeedConfig } from '../functions/core/model';
import type { SeedFile } from '../functions/handlers/seed';
import { DashboardApi } from './constructs/dashboard-api';
import { DashboardSite } from './constructs/dashboard-site';
import { FeedQueue } from './constructs/feed-queue';
import { NodeFunction } from './constructs/node-function';
import { PipelineMonitoring } from './constructs/pipeline-monitoring';
import { type DefaultSubscription, PROJECT_ROOT } from './deployment-config';
import {
  DEFAULT_POLL_SCHEDULE,
  DIGEST_SCHEDULE,
  heartbeatPeriodMinutes,
  parsePollSchedule,
} from './schedules';

/** The env vars the handlers (functions/handlers/compose.ts) read the table names from. */
export const TABLE_ENV_VARS: Readonly<Record<keyof TableNames, string>> = {
  feeds: 'FEEDS_TABLE',
  articles: 'ARTICLES_TABLE',
  topics: 'TOPICS_TABLE',
  matches: 'MATCHES_TABLE',
  subscriptions: 'SUBSCRIPTIONS_TABLE',
  deliveries: 'DELIVERIES_TABLE',
  stories: 'STORIES_TABLE',
};
/** The env var functions/handlers/dispatch.ts reads the feed queue's URL from. */
export const FEED_QUEUE_URL_ENV_VAR = 'FEED_QUEUE_URL';
/** Feeds one worker invocation polls (at once). */
export const WORKER_BATCH_SIZE = 5;
/** Worker invocations the feed queue starts at most: the cap on feeds fetched at once. */
export const WORKER_MAX_CONCURRENCY = 10;
/** The env var the functions read the audience topics' name prefix from. */
export const AUDIENCE_TOPIC_PREFIX_ENV_VAR = 'AUDIENCE_TOPIC_PREFIX';
/**
 * A fixed name rather than the stack's: the audience topics exist outside CloudFormation, with
 * their subscribers, so the prefix must outlive any rename or split of the stacks.
 */
export const DEFAULT_AUDIENCE_TOPIC_PREFIX = 'news-alerts';
/** The env var the poll worker, the digest and the API read the retention (in days) from. */
export const RETENTION_DAYS_ENV_VAR = 'RETENTION_DAYS';
/** What the functions keep data for when RETENTION_DAYS is not set (compose.ts, digest.ts). */
export const DEFAULT_RETENTION_DAYS = 30;
/** The feed list the seed function adds when the config names none. */
export const DEFAULT_FEED_LIST = 'data/feeds.json';
/** The file the seed function (functions/handlers/seed.ts) reads next to its bundle. */
export const SEED_FILE_NAME = 'seed.json';
/** The dashboard's web page: the files CloudFront serves at `/`. */
export const DASHBOARD_WEB_DIRECTORY = 'web';

export interface NewsAlertsStatelessStackProps extends StackProps {
  /** The tables of NewsAlertsStatefulStack. */
  readonly tables: Readonly<Record<keyof TableNames, ITableV2>>;
  /** Where the alarms go: NewsAlertsStatefulStack's operator topic. */
  readonly operatorTopic: ITopic;
  /**
   * EventBridge schedule expression for the poll: `rate(...)` or `cron(...)`.
   * @default rate(15 minutes)
   */
  readonly pollSchedule?: string;
  /**
   * Name prefix of the per-audience SNS topics (`<prefix>-aud-…`) the functions create at run
   * time. Changing it orphans every existing audience topic and its subscribers.
   * @default news-alerts
   */
  readonly audienceTopicPrefix?: string;
  /**
   * How long articles, stories and deliveries are kept, in days: RETENTION_DAYS of the poll
   * worker and the digest.
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * The feeds the deployment polls, as the config names them (already validated): the seed
   * function adds those missing after each deploy.
   * @default the feeds of data/feeds.json
   */
  readonly feedList?: { readonly path: string; readonly feeds: readonly FeedConfig[] };
  /** Validated default subscriptions: the seed function subscribes them after each deploy. */
  readonly defaultSubscriptions?: readonly DefaultSubscription[];
  /** The account's SMS spend limit in USD, shown as an output (it is set outside CloudFormation). */
  readonly smsMonthlySpendLimitUsd?: number;
}

export class NewsAlertsStatelessStack extends Stack {
  readonly tables: Readonly<Record<keyof TableNames, ITableV2>>;
  /** Sends the due feeds to `feedQueue` on each tick of `pollRule`. */
  readonly dispatchFunction: NodeFunction;
  readonly pollRule: Rule;
  readonly feedQueue: FeedQueue;
  /** Polls the feeds of `feedQueue`, one record a feed. */
  readonly pollWorker: NodeFunction;
  readonly digestFunction: NodeFunction;
  readonly digestRule: Rule;
  /** Adds the configured feeds, the topic pack and the default subscriptions; run by `seedTrigger`. */
  readonly seedFunction: NodeFunction;
  /** Runs `seedFunction` after every deploy that changes it, before the poll schedule exists. */
  readonly seedTrigger: Trigger;
  /** Audience topics are named `<prefix>-aud-…` (see functions/core/subscriptions). */
  readonly audienceTopicPrefix: string;
  /** The alarms on errors, feed failures and publish failures, and the pipeline dashboard. */
  readonly monitoring: PipelineMonitoring;
  readonly retentionDays: number;
  /** The dashboard's HTTP API (docs/api.md) and the function behind it. */
  readonly dashboardApi: DashboardApi;
  /** The dashboard's page and its one address: CloudFront in front of the bucket and the API. */
  readonly dashboardSite: DashboardSite;

  constructor(scope: Construct, id: string, props: NewsAlertsStatelessStackProps) {
    super(scope, id, props);
    // First, so a bad schedule fails before anything is bundled.
    const pollSchedule = parsePollSchedule(props.pollSchedule ?? DEFAULT_POLL_SCHEDULE);
    this.tables = props.tables;
    // Alerts go to one SNS topic per audience (subscribers with the same channel, topics and
    // mode), created when the first subscriber joins; docs/delivery.md explains why.
    this.audienceTopicPrefix = props.audienceTopicPrefix ?? DEFAULT_AUDIENCE_TOPIC_PREFIX;
    this.retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;

    // Polling scales out: on each tick the dispatcher sends every due feed to the feed queue, and
    // the workers poll them, a few feeds an invocation and up to WORKER_MAX_CONCURRENCY at once.
    // A slow or broken feed holds up only itself.
    this.pollWorker = new NodeFunction(this, 'PollWorkerFunction', {
      handlerFile: 'poll-worker.ts',
      invocation: 'sync',
      description: 'Polls the feeds the dispatcher queued, stores new articles, publishes alerts',
      // A feed fetch times out after 20 s; the records of a batch are polled at once.
      timeout: Duration.minutes(2),
      memorySize: 1024,
    });
    this.feedQueue = new FeedQueue(this, 'FeedQueue', {
      consumerTimeout: this.pollWorker.timeout ?? Duration.minutes(2),
      maxReceiveCount: 3,
    });
    this.pollWorker.consumeQueue({
      queue: this.feedQueue.queue,
      batchSize: WORKER_BATCH_SIZE,
      maxConcurrency: WORKER_MAX_CONCURRENCY,
    });
    // The worker polls, matches, folds and alerts: it reads and writes every table.
    for (const name of tableNameKeys) {
      this.pollWorker.bindTable({
        table: this.tables[name],
        envVar: TABLE_ENV_VARS[name],
        access: 'readWrite',
      });
    }
    this.pollWorker.bindAudienceTopics({
      prefix: this.audienceTopicPrefix,
      envVar: AUDIENCE_TOPIC_PREFIX_ENV_VAR,
    });
    this.pollWorker.addEnvironment(RETENTION_DAYS_ENV_VAR, String(this.retentionDays));
    if (this.pollWorker.role) {
      // The table grants cover the table's own indexes (`<table ARN>/index/*`); the feeds table
      // has one, the due index, and the articles table one, the byDay index. cdk-nag names the
      // finding after the cross-stack reference, so these ids follow the tables' logical ids:
      // synth fails loudly if that ever changes.
      Validations.of(this.pollWorker.role).acknowledge(
        {
          id: `AwsSolutions-IAM5[Resource::${FEEDS_TABLE_ARN_REFERENCE}/index/*]`,
          reason:
            "The wildcard is the feeds table's own indexes (the due index); it reaches no other " +
            'table.',
        },
        {
          id: `AwsSolutions-IAM5[Resource::${ARTICLES_TABLE_ARN_REFERENCE}/index/*]`,
          reason:
            "The wildcard is the articles table's own indexes (the byDay index); it reaches no " +
            'other table.',
        },
      );
    }
    const workerEventSource = this.pollWorker.node
      .findAll()
      .find((child) => child instanceof CfnEventSourceMapping);
    if (workerEventSource) {
      Validations.of(workerEventSource).acknowledge({
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          'An SQS event source keeps its failures in the queue: records that fail maxReceiveCount ' +
          "times move to the feed queue's dead-letter queue (redrive policy), which alarms.",
      });
    }

    this.dispatchFunction = new NodeFunction(this, 'DispatchFunction', {
      handlerFile: 'dispatch.ts',
      invocation: 'async',
      description: 'Sends the feeds due now to the feed queue',
      timeout: Duration.minutes(1),
      memorySize: 256,
      // One dispatch at a time: a tick that arrives while one runs is throttled rather than run
      // alongside it.
      reservedConcurrentExecutions: 1,
      // No retries of a failed or throttled tick: the next tick is the retry. Lambda keeps a
      // throttled async event and retries it for up to six hours by default; one minute (the
      // minimum) drops it (to the failure queue) instead of dispatching a stale tick late.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(1),
    });
    // Query on the due index to find the due feeds, and nothing else.
    this.dispatchFunction.bindTableActions({
      table: this.tables.feeds,
      envVar: TABLE_ENV_VARS.feeds,
      actions: [],
      queryIndexes: [FEED_DUE_INDEX],
    });
    this.dispatchFunction.bindQueueForSend({
      queue: this.feedQueue.queue,
      envVar: FEED_QUEUE_URL_ENV_VAR,
    });

    // An EventBridge rule rather than EventBridge Scheduler: a fixed-rate poll needs none of
    // Scheduler's extras (time zones, one-off `at()`, flexible windows), and the rule invokes
    // through a Lambda resource policy, with no IAM role to create and grant.
    this.pollRule = new Rule(this, 'PollSchedule', {
      description: 'Dispatches the due news feeds to the poll workers',
      schedule: Schedule.expression(pollSchedule),
      targets: [scheduledTarget(this.dispatchFunction)],
    });

    this.digestFunction = new NodeFunction(this, 'DigestFunction', {
      handlerFile: 'digest.ts',
      invocation: 'async',
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
    // The digest writes delivery records, kept as long as the poll worker's.
    this.digestFunction.addEnvironment(RETENTION_DAYS_ENV_VAR, String(this.retentionDays));
    this.digestRule = new Rule(this, 'DigestSchedule', {
      description: 'Sends the digests whose period ended',
      schedule: Schedule.expression(DIGEST_SCHEDULE),
      targets: [scheduledTarget(this.digestFunction)],
    });

    this.seedFunction = this.createSeedFunction(props);
    this.seedTrigger = new Trigger(this, 'SeedTrigger', {
      handler: this.seedFunction,
      // A deploy waits for the seed and fails if it fails: no deployment without its feeds.
      invocationType: InvocationType.REQUEST_RESPONSE,
      timeout: SEED_TIMEOUT,
    });
    // On a first deploy the schedule starts only once there are feeds and topics to poll.
    this.seedTrigger.executeBefore(this.pollRule);

    const deadLetterAlarms = [
      ...[this.dispatchFunction, this.digestFunction].map((fn) =>
        alarmOnFailures(fn, props.operatorTopic),
      ),
      alarmOnMessages(
        this.feedQueue.deadLetterQueue,
        'FeedDeadLetterAlarm',
        'Feeds the poll workers failed to take in three times; see the feed dead-letter queue',
        props.operatorTopic,
      ),
    ];
    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      operatorTopic: props.operatorTopic,
      functions: [
        { label: 'Dispatcher', fn: this.dispatchFunction },
        { label: 'PollWorker', fn: this.pollWorker },
        { label: 'Digest', fn: this.digestFunction },
      ],
      deadLetterQueues: [
        { label: 'Feed queue DLQ', queue: this.feedQueue.deadLetterQueue },
        { label: 'Dispatcher failures', queue: failureQueueOf(this.dispatchFunction) },
        { label: 'Digest failures', queue: failureQueueOf(this.digestFunction) },
      ],
      otherAlarms: deadLetterAlarms,
      heartbeat: {
        label: 'Dispatcher',
        fn: this.dispatchFunction,
        period: Duration.minutes(heartbeatPeriodMinutes(pollSchedule)),
      },
    });

    this.dashboardApi = this.createDashboardApi();
    this.dashboardSite = new DashboardSite(this, 'DashboardSite', {
      webDirectory: path.join(PROJECT_ROOT, DASHBOARD_WEB_DIRECTORY),
      apiDomainName: this.dashboardApi.domainName,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The dashboard: the web page, and the API under /api',
      value: this.dashboardSite.url,
    });
    new CfnOutput(this, 'DashboardApiEndpoint', {
      description:
        'The dashboard API itself (routes under /api); send SigV4-signed writes here, e.g. with awscurl',
      value: this.dashboardApi.endpoint,
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
    this.describeDeploymentSettings(props);
  }

  /**
   * The seed function, with the validated feed list and default subscriptions in its bundle
   * (seed.json): a changed config is a changed function, which runs the trigger again.
   */
  private createSeedFunction(props: NewsAlertsStatelessStackProps): NodeFunction {
    const feeds = props.feedList?.feeds ?? parseFeedList(readJsonFile(DEFAULT_FEED_LIST));
    const seed: SeedFile = {
      feeds: feeds.map(({ url, name, language }) => ({ url, name, language })),
      subscriptions: (props.defaultSubscriptions ?? []).map((subscription) => ({
        endpoint: subscription.address,
        topics: [...subscription.topicIds],
        mode: subscription.mode,
      })),
    };
    const seedDir = mkdtempSync(path.join(tmpdir(), 'news-alerts-seed-'));
    const seedFile = path.join(seedDir, SEED_FILE_NAME);
    writeFileSync(seedFile, JSON.stringify(seed));
    const fn = new NodeFunction(this, 'SeedFunction', {
      handlerFile: 'seed.ts',
      invocation: 'sync',
      description: 'Adds the configured feeds, the topic pack and the default subscriptions',
      // Conditional puts, a few at a time: 10,000 feeds take about a minute.
      timeout: SEED_TIMEOUT,
      memorySize: 512,
      reservedConcurrentExecutions: 1,
      bundledFiles: { [SEED_FILE_NAME]: seedFile },
    });
    fn.bindTableActions({
      table: this.tables.feeds,
      envVar: TABLE_ENV_VARS.feeds,
      actions: ['dynamodb:PutItem'],
      queryIndexes: [],
    });
    fn.bindTableActions({
      table: this.tables.topics,
      envVar: TABLE_ENV_VARS.topics,
      actions: ['dynamodb:Query', 'dynamodb:PutItem'],
      queryIndexes: [],
    });
    this.grantSubscribing(fn);
    return fn;
  }

  /**
   * What the subscribe use case (core/subscriptions/subscribe.ts) needs, for the seed and the
   * API: the subscriptions table read and written, and the audience topics created (with their
   * tags, hence TagResource), joined and left (Unsubscribe when a subscription changes
   * audience). Nothing is published.
   */
  private grantSubscribing(fn: NodeFunction): void {
    fn.bindTableActions({
      table: this.tables.subscriptions,
      envVar: TABLE_ENV_VARS.subscriptions,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      queryIndexes: [],
    });
    fn.bindAudienceTopics({
      prefix: this.audienceTopicPrefix,
      envVar: AUDIENCE_TOPIC_PREFIX_ENV_VAR,
      actions: ['sns:CreateTopic', 'sns:TagResource', 'sns:Subscribe', 'sns:Unsubscribe'],
    });
  }

  /**
   * The dashboard API, its function granted exactly what docs/api.md needs: topics read and
   * written, stories read, the due feeds and the articles of a day queried through their
   * indexes, subscriptions managed with their audience topics.
   */
  private createDashboardApi(): DashboardApi {
    const api = new DashboardApi(this, 'DashboardApi');
    const fn = api.handler;
    fn.bindTableActions({
      table: this.tables.topics,
      envVar: TABLE_ENV_VARS.topics,
      actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      queryIndexes: [],
    });
    fn.bindTableActions({
      table: this.tables.stories,
      envVar: TABLE_ENV_VARS.stories,
      actions: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      queryIndexes: [],
    });
    // The feed list reads every feed through the due index (all its attributes are projected).
    fn.bindTableActions({
      table: this.tables.feeds,
      envVar: TABLE_ENV_VARS.feeds,
      actions: [],
      queryIndexes: [FEED_DUE_INDEX],
    });
    // The preview reads the articles of the last days through the byDay index, never a Scan.
    fn.bindTableActions({
      table: this.tables.articles,
      envVar: TABLE_ENV_VARS.articles,
      actions: [],
      queryIndexes: [ARTICLE_DAY_INDEX],
    });
    this.grantSubscribing(fn);
    // Timelines and counts cover the days the data is kept.
    fn.addEnvironment(RETENTION_DAYS_ENV_VAR, String(this.retentionDays));
    return api;
  }

  /**
   * The settings of the config that this stack can only report, not apply: outputs for the
   * operator, and a warning where the deployment does not yet do what the config says.
   */
  private describeDeploymentSettings(props: NewsAlertsStatelessStackProps): void {
    if (props.defaultSubscriptions && props.defaultSubscriptions.length > 0) {
      // The seed function subscribes them (email ones stay pending until confirmed by mail).
      new CfnOutput(this, 'DefaultSubscriptions', {
        description:
          'Default subscriptions of the config, subscribed after the deploy (email: confirm by mail)',
        // Addresses and phone numbers stay out: anyone who can describe the stack reads outputs.
        value: JSON.stringify(
          props.defaultSubscriptions.map(({ address: _address, ...subscription }) => subscription),
        ),
      });
    }
    if (props.smsMonthlySpendLimitUsd !== undefined) {
      // MonthlySpendLimit is an account-wide SNS SMS attribute with no CloudFormation resource.
      // Apply it after the deploy (it cannot exceed the account's SMS spend quota, which is
      // USD 1 until AWS raises it on request):
      //   aws sns set-sms-attributes --attributes MonthlySpendLimit=<value>
      // SNS stops sending SMS for the rest of the month once the limit is reached.
      new CfnOutput(this, 'SmsMonthlySpendLimitUsd', {
        description:
          'SNS SMS MonthlySpendLimit (USD) to set with `aws sns set-sms-attributes`; not applied ' +
          'by CloudFormation',
        value: String(props.smsMonthlySpendLimitUsd),
      });
    }
  }
}

/**
 * The rule invokes asynchronously; an event it cannot even hand to Lambda lands in the function's
 * failure queue too, so one queue holds every tick that did not run.
 */
function scheduledTarget(fn: NodeFunction): LambdaFunction {
  return new LambdaFunction(fn, { retryAttempts: 0, deadLetterQueue: failureQueueOf(fn) });
}

/** The failure queue of a function invoked asynchronously (NodeFunction `invocation: 'async'`). */
function failureQueueOf(fn: NodeFunction): IQueue {
  if (!fn.failureQueue) throw new Error(`${fn.node.path} is not invoked asynchronously`);
  return fn.failureQueue;
}

/** A message in the failure queue means a tick did not run: tell the operator. */
function alarmOnFailures(fn: NodeFunction, operatorTopic: ITopic): Alarm {
  return alarmOnMessages(
    failureQueueOf(fn),
    'FailureQueueAlarm',
    `${fn.node.id} could not process an event; see its failure queue`,
    operatorTopic,
    fn,
  );
}

/** Tells the operator when `queue` holds a message. The alarm lives in `scope` (the queue's). */
function alarmOnMessages(
  queue: IQueue,
  id: string,
  description: string,
  operatorTopic: ITopic,
  scope: Construct = queue,
): Alarm {
  const alarm = queue
    .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) })
    .createAlarm(scope, id, {
      alarmDescription: description,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  alarm.addAlarmAction(new SnsAction(operatorTopic));
  return alarm;
}

/** How cdk-nag renders a table ARN that the stateless stack references by this output. */
const statefulOutputReference = (outputName: string): string =>
  '{"Fn::GetStackOutput":{"StackName":"NewsAlertsStatefulStack","Region":{"Ref":"AWS::Region"},' +
  `"OutputName":"${outputName}"}}`;
const FEEDS_TABLE_ARN_REFERENCE = statefulOutputReference(
  'PublishOutputFnGetAttFeedsTable3573F541Arn9BBE0A44',
);
const ARTICLES_TABLE_ARN_REFERENCE = statefulOutputReference(
  'PublishOutputFnGetAttArticlesTableA36865D8Arn92A148EC',
);

/** How long the seed may take: the function's timeout and the trigger's. */
const SEED_TIMEOUT = Duration.minutes(10);

function readJsonFile(relativePath: string): unknown {
  return JSON.parse(readFileSync(path.join(PROJECT_ROOT, relativePath), 'utf8'));
}

const tableNameKeys = Object.keys(TABLE_ENV_VARS) as (keyof TableNames)[];

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
