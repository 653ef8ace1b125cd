/**
 * The handlers' Powertools Logger (structured JSON logs) and Metrics (EMF, namespace NewsAlerts),
 * made once per container. Only handlers import this: the core reports plain counts and stays
 * framework-free; a handler turns its report into metrics with `publishCounts`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE, type PipelineMetric, SERVICE_NAME } from './telemetry-names';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** Adds each count (zeros too: a zero is a datapoint, a missing count is not) to the buffer. */
export function addCounts(counts: Readonly<Partial<Record<PipelineMetric, number>>>): void {
  for (const [name, value] of Object.entries(counts)) {
    metrics.addMetric(name, MetricUnit.Count, value);
  }
}

/**
 * Runs one invocation and flushes the metrics it added, whether it returns or throws (a failed
 * run's counts are the ones most worth seeing). An invocation that failed before adding any
 * metric flushes nothing, rather than Powertools' "no metrics" warning. With Lambda's `context`,
 * every log line of the invocation carries its request id, function name and version, and
 * whether it was a cold start.
 */
export async function withMetrics<T>(invocation: () => Promise<T>, context?: Context): Promise<T> {
  if (context) logger.addContext(context);
  try {
    return await invocation();
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
