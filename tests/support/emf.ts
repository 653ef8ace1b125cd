/**
 * Captures what the Powertools Logger and Metrics of a handler print: both write JSON lines to
 * process.stdout (outside POWERTOOLS_DEV), where Lambda picks up the logs and the EMF metrics.
 */
import { type MockInstance, vi } from 'vitest';

/** One EMF record: the metric values at the top level, their declaration under `_aws`. */
export interface EmfRecord {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  [key: string]: unknown;
}

export interface StdoutCapture {
  /** Every JSON line printed since the capture started. */
  lines(): Record<string, unknown>[];
  /** The EMF records among them. */
  emf(): EmfRecord[];
  restore(): void;
}

export function captureStdout(): StdoutCapture {
  const written: string[] = [];
  const spy: MockInstance = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  const lines = () =>
    written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    lines,
    emf: () => lines().filter((line): line is EmfRecord => '_aws' in line),
    restore: () => spy.mockRestore(),
  };
}
