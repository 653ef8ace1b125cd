/**
 * The local stand-in for SNS: appends each alert as one JSON line to an outbox file and prints a
 * one-line summary. Idempotent by alert id across runs, so re-running after a crash does not
 * "send" an alert twice.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type AlertMessage,
  buildAlertMessage,
  formatAlertLine,
} from '../core/alerts/alert-message';
import type { Alert, Article, TopicMatch } from '../core/model';
import type { AlertPublisher, Clock, PublishOutcome } from '../core/ports';

export interface OutboxAlertPublisherOptions {
  /** The outbox file (JSON lines); its folder is created when missing. */
  path: string;
  topicNames: Record<string, string>;
  /** Where the one-line summary of each new alert goes; the console by default. */
  print?: (line: string) => void;
  clock?: Clock;
}

/** One line of the outbox file. */
export interface OutboxRecord {
  alertId: string;
  publishedAt: string;
  subject: string;
  text: string;
  attributes: AlertMessage['attributes'];
  article: { key?: string } & Pick<
    Article,
    'id' | 'title' | 'link' | 'source' | 'published' | 'language'
  >;
  matches: TopicMatch[];
}

interface OutboxState {
  alertIds: Set<string>;
  /** A crash mid-append can leave a last line without its newline; the next append adds it. */
  needsNewline: boolean;
}

export class OutboxAlertPublisher implements AlertPublisher {
  private readonly path: string;
  private readonly topicNames: Record<string, string>;
  private readonly print: (line: string) => void;
  private readonly clock: Clock;
  private state: OutboxState | undefined;
  /** Publish calls run one after another, so two of them cannot append the same alert. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: OutboxAlertPublisherOptions) {
    this.path = options.path;
    this.topicNames = options.topicNames;
    this.print = options.print ?? ((line) => console.log(line));
    this.clock = options.clock ?? { now: () => new Date() };
  }

  publish(alerts: readonly Alert[]): Promise<PublishOutcome> {
    const run = this.queue.then(() => this.append(alerts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async append(alerts: readonly Alert[]): Promise<PublishOutcome> {
    let state: OutboxState;
    try {
      state = await this.loadState();
    } catch (error) {
      // Without the ids already sent we cannot tell a repeat, so nothing counts as published.
      return failAll(alerts, `OUTBOX_READ: ${describe(error)}`);
    }

    const published: string[] = [];
    const fresh: Alert[] = [];
    const seen = new Set<string>();
    for (const alert of alerts) {
      if (seen.has(alert.id)) {
        continue;
      }
      seen.add(alert.id);
      if (state.alertIds.has(alert.id)) {
        published.push(alert.id);
      } else {
        fresh.push(alert);
      }
    }
    if (fresh.length === 0) {
      return { published, failed: [] };
    }

    const publishedAt = this.clock.now().toISOString();
    const lines = fresh.map((alert) => JSON.stringify(this.toRecord(alert, publishedAt)));
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, `${state.needsNewline ? '\n' : ''}${lines.join('\n')}\n`, 'utf8');
    } catch (error) {
      return { published, failed: failAll(fresh, `OUTBOX_WRITE: ${describe(error)}`).failed };
    }
    state.needsNewline = false;
    for (const alert of fresh) {
      state.alertIds.add(alert.id);
      published.push(alert.id);
      this.print(formatAlertLine(alert, this.topicNames));
    }
    return { published, failed: [] };
  }

  private toRecord(alert: Alert, publishedAt: string): OutboxRecord {
    const message = buildAlertMessage(alert, this.topicNames);
    const { article } = alert;
    // Alerts from the pipeline carry stored articles; the key links the line to the store.
    const key = (article as { key?: unknown }).key;
    return {
      alertId: alert.id,
      publishedAt,
      subject: message.subject,
      text: message.text,
      attributes: message.attributes,
      article: {
        ...(typeof key === 'string' ? { key } : {}),
        id: article.id,
        title: article.title,
        link: article.link,
        source: article.source,
        published: article.published,
        language: article.language,
      },
      matches: alert.matches,
    };
  }

  /** Reads the alert ids already in the outbox, once; a line cut short by a crash is skipped. */
  private async loadState(): Promise<OutboxState> {
    if (this.state !== undefined) {
      return this.state;
    }
    let content = '';
    try {
      content = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
    }
    const alertIds = new Set<string>();
    for (const line of content.split('\n')) {
      const alertId = alertIdOf(line);
      if (alertId !== undefined) {
        alertIds.add(alertId);
      }
    }
    this.state = { alertIds, needsNewline: content !== '' && !content.endsWith('\n') };
    return this.state;
  }
}

function alertIdOf(line: string): string | undefined {
  if (line.trim() === '') {
    return undefined;
  }
  try {
    const record: unknown = JSON.parse(line);
    if (typeof record === 'object' && record !== null && 'alertId' in record) {
      return typeof record.alertId === 'string' ? record.alertId : undefined;
    }
  } catch {
    // A partial line from an interrupted append: that alert was not recorded, so it goes again.
  }
  return undefined;
}

function failAll(alerts: readonly Alert[], reason: string): PublishOutcome {
  const alertIds = [...new Set(alerts.map((alert) => alert.id))];
  return { published: [], failed: alertIds.map((alertId) => ({ alertId, reason })) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
