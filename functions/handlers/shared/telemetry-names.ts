/**
 * The names the handlers' logs and metrics go out under, and the alarms and dashboard of
 * lib/ read them back by: one list both sides import, so a renamed metric breaks the build rather
 * than silently leaving an alarm on a metric nobody emits. No side effects: lib imports it.
 */

/** The CloudWatch namespace of the pipeline's EMF metrics. */
export const METRICS_NAMESPACE = 'NewsAlerts';

/**
 * The Powertools service every function reports as. Powertools Metrics adds it as the `service`
 * dimension of every metric, so the alarms must name it too.
 */
export const SERVICE_NAME = 'news-alerts';

/** The dimension Powertools Metrics puts the service name in. */
export const SERVICE_DIMENSION = 'service';

/** The metrics of each stage, as emitted (all counts, one datapoint per invocation). */
export const PIPELINE_METRICS = {
  dispatch: ['FeedsDue', 'FeedsQueued', 'FeedsNotQueued'],
  pollWorker: [
    'FeedsPolled',
    'FeedsUnchanged',
    'FeedsFailed',
    'NewArticles',
    'Matches',
    'Stories',
    'Copies',
    'Deliveries',
    'QueuedForDigest',
    'AlertFailures',
    'DeadLetters',
  ],
  digest: ['Digests', 'DigestStories', 'DigestFailures'],
} as const;

export type DispatchMetric = (typeof PIPELINE_METRICS.dispatch)[number];
export type PollWorkerMetric = (typeof PIPELINE_METRICS.pollWorker)[number];
export type DigestMetric = (typeof PIPELINE_METRICS.digest)[number];
export type PipelineMetric = DispatchMetric | PollWorkerMetric | DigestMetric;
