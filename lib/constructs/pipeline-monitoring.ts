/**
 * PipelineMonitoring: what tells the operator the pipeline is unwell, and the dashboard to look
 * at when it does. The alarms read the functions' own Errors metrics and the EMF metrics the
 * handlers emit (functions/handlers/shared/observability.ts), by the names both sides import from
 * telemetry-names.ts; each notifies the operator topic. The dead-letter queue alarms stay with
 * their queues (news-alerts-stateless-stack.ts); the dashboard shows their depths too.
 */
import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  type PipelineMetric,
  SERVICE_DIMENSION,
  SERVICE_NAME,
} from '../../functions/handlers/shared/telemetry-names';

/** One function to watch, under the name the dashboard and the alarm description give it. */
export interface MonitoredFunction {
  readonly label: string;
  readonly fn: IFunction;
}

/** One queue whose messages are failures, under the name the dashboard gives it. */
export interface MonitoredQueue {
  readonly label: string;
  readonly queue: IQueue;
}

export interface PipelineMonitoringProps {
  /** Where every alarm goes: the stateful stack's operator topic. */
  readonly operatorTopic: ITopic;
  readonly functions: readonly MonitoredFunction[];
  /** Shown on the dashboard; their alarms are made where the queues are. */
  readonly deadLetterQueues: readonly MonitoredQueue[];
  /** Alarms made elsewhere (the dead-letter queue alarms) for the dashboard's status widget. */
  readonly otherAlarms?: readonly IAlarm[];
  /**
   * The scheduled function that must run at least once per `period` (the dispatcher): its
   * silence is an outage no error reports (a disabled rule, a broken deploy, throttling).
   */
  readonly heartbeat: MonitoredFunction & { readonly period: Duration };
}

/** A function error is worth a look at once: one in five minutes alarms. */
export const ERRORS_PERIOD = Duration.minutes(5);
/**
 * Half the feeds failing for half an hour (two poll ticks) is an outage on our side (network,
 * fetcher) more likely than that many publishers at once; a single flaky feed never gets there.
 */
export const FEED_FAILURE_RATIO_PERIOD = Duration.minutes(30);
export const FEED_FAILURE_RATIO_THRESHOLD = 0.5;
/** An alert or digest that could not be published is a subscriber not told: alarm on the first. */
export const PUBLISH_FAILURES_PERIOD = Duration.minutes(5);
/** A delivery parked after failing in five cycles is a subscriber not told: alarm on the first. */
export const DEAD_LETTERS_PERIOD = Duration.minutes(5);
/** The dashboard's graphs sum the counts per poll tick. */
const DASHBOARD_PERIOD = Duration.minutes(15);

/** One of the handlers' EMF counts, summed over `period`, with the dimension Powertools adds. */
export function pipelineMetric(name: PipelineMetric, period: Duration): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { [SERVICE_DIMENSION]: SERVICE_NAME },
    statistic: Stats.SUM,
    period,
    label: name,
  });
}

export class PipelineMonitoring extends Construct {
  /** One per function, by its label: any error in five minutes. */
  readonly errorAlarms: Readonly<Record<string, Alarm>>;
  /** Failed polls over polls, over half an hour. */
  readonly feedFailureRatioAlarm: Alarm;
  /** Alert deliveries (poll workers) and digests that could not be published. */
  readonly publishFailuresAlarm: Alarm;
  /** Deliveries given up on and parked as dead letters (see `news-alerts dead-letters`). */
  readonly deadLettersAlarm: Alarm;
  /** The heartbeat function did not run once in its period. */
  readonly heartbeatAlarm: Alarm;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const notifyOperator = new SnsAction(props.operatorTopic);

    this.errorAlarms = Object.fromEntries(
      props.functions.map(({ label, fn }) => {
        const alarm = fn
          .metricErrors({ period: ERRORS_PERIOD, statistic: Stats.SUM })
          .createAlarm(this, `${label}ErrorsAlarm`, {
            alarmDescription: `${label} failed an invocation; see its logs`,
            threshold: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluationPeriods: 1,
            // Lambda reports Errors only for periods with invocations: none is no error.
            treatMissingData: TreatMissingData.NOT_BREACHING,
          });
        alarm.addAlarmAction(notifyOperator);
        return [label, alarm];
      }),
    );

    this.feedFailureRatioAlarm = new MathExpression({
      expression: 'failed / polled',
      usingMetrics: {
        failed: pipelineMetric('FeedsFailed', FEED_FAILURE_RATIO_PERIOD),
        polled: pipelineMetric('FeedsPolled', FEED_FAILURE_RATIO_PERIOD),
      },
      period: FEED_FAILURE_RATIO_PERIOD,
      label: 'Share of polled feeds that failed',
    }).createAlarm(this, 'FeedFailureRatioAlarm', {
      alarmDescription:
        'More than half the feeds polled in 30 minutes failed; see the poll worker logs ' +
        '("feed polled" with status failed) for the reasons',
      threshold: FEED_FAILURE_RATIO_THRESHOLD,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No polls in the window gives no ratio, and that is not a failure rate: a dispatcher that
      // stops has its own Errors and failure-queue alarms.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.feedFailureRatioAlarm.addAlarmAction(notifyOperator);

    this.publishFailuresAlarm = new MathExpression({
      // FILL: a window with poll workers but no digest run (or the reverse) still sums.
      expression: 'FILL(alertFailures, 0) + FILL(digestFailures, 0)',
      usingMetrics: {
        alertFailures: pipelineMetric('AlertFailures', PUBLISH_FAILURES_PERIOD),
        digestFailures: pipelineMetric('DigestFailures', PUBLISH_FAILURES_PERIOD),
      },
      period: PUBLISH_FAILURES_PERIOD,
      label: 'Alerts and digests not published',
    }).createAlarm(this, 'PublishFailuresAlarm', {
      alarmDescription:
        'An alert or a digest could not be published to its audience topic; it is retried on the ' +
        'next run (see the poll worker and digest logs)',
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // Neither function ran in the window: nothing failed to publish.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.publishFailuresAlarm.addAlarmAction(notifyOperator);

    this.deadLettersAlarm = pipelineMetric('DeadLetters', DEAD_LETTERS_PERIOD).createAlarm(
      this,
      'DeadLettersAlarm',
      {
        alarmDescription:
          'A delivery failed in five cycles and was parked as a dead letter with its reason; ' +
          'the subscribers of that audience did not get that alert',
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
    );
    this.deadLettersAlarm.addAlarmAction(notifyOperator);

    const { label, fn, period } = props.heartbeat;
    this.heartbeatAlarm = fn
      .metricInvocations({ period, statistic: Stats.SUM })
      .createAlarm(this, `${label}HeartbeatAlarm`, {
        alarmDescription: `${label} did not run once in ${period.toHumanString()}: is its schedule enabled?`,
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No invocations reports no datapoint at all: that silence is the failure.
        treatMissingData: TreatMissingData.BREACHING,
      });
    this.heartbeatAlarm.addAlarmAction(notifyOperator);

    this.dashboard = this.createDashboard(props);
  }

  private createDashboard(props: PipelineMonitoringProps): Dashboard {
    const counts = (...names: PipelineMetric[]): IMetric[] =>
      names.map((name) => pipelineMetric(name, DASHBOARD_PERIOD));
    const graph = (title: string, left: IMetric[]) =>
      new GraphWidget({ title, left, width: 8, height: 6 });
    const dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(1),
    });
    dashboard.addWidgets(
      graph('Feeds', counts('FeedsDue', 'FeedsPolled', 'FeedsUnchanged', 'FeedsFailed')),
      graph('Articles and stories', counts('NewArticles', 'Matches', 'Stories', 'Copies')),
      graph(
        'Deliveries',
        counts('Deliveries', 'QueuedForDigest', 'Digests', 'DigestStories', 'DeadLetters'),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Failures',
        counts('FeedsFailed', 'FeedsNotQueued', 'AlertFailures', 'DigestFailures', 'DeadLetters'),
      ),
      graph(
        'Dead-letter queue depths',
        props.deadLetterQueues.map(({ label, queue }) =>
          queue.metricApproximateNumberOfMessagesVisible({
            label,
            period: DASHBOARD_PERIOD,
            statistic: Stats.MAXIMUM,
          }),
        ),
      ),
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: [
          ...Object.values(this.errorAlarms),
          this.feedFailureRatioAlarm,
          this.publishFailuresAlarm,
          this.deadLettersAlarm,
          this.heartbeatAlarm,
          ...(props.otherAlarms ?? []),
        ],
        width: 8,
        height: 6,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        left: props.functions.map(({ label, fn }) =>
          fn.metricErrors({ label, period: Duration.minutes(5), statistic: Stats.SUM }),
        ),
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'Function durations (p99)',
        left: props.functions.map(({ label, fn }) =>
          fn.metricDuration({ label, period: Duration.minutes(5), statistic: Stats.p(99) }),
        ),
        width: 12,
        height: 6,
      }),
    );
    return dashboard;
  }
}
