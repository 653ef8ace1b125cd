/**
 * `npm start`: the pipeline on a laptop. Composes the same core and adapters as the Lambda
 * handler (DynamoDB adapters on an embedded dynalite, the HTTP fetcher, a local outbox in place of
 * SNS), seeds feeds and topics on first run, then polls on an interval like the deployed schedule
 * and prints progress per feed and a summary per cycle.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDynamoStores, dashboardDependencies } from '../adapters/dynamodb/stores';
import { HttpFeedFetcher } from '../adapters/http-feed-fetcher';
import { createDashboardApi } from '../core/api/dashboard-api';
import { sendDueDigests } from '../core/delivery/send-digests';
import { parseFeedList } from '../core/feeds/feed-list';
import { compileTopics } from '../core/matching/topic-matcher';
import { loadDefaultTopicPack } from '../core/matching/topic-pack';
import type { FeedConfig } from '../core/model';
import { loadPollRun } from '../core/pipeline/poll-dependencies';
import type { FeedOutcome } from '../core/pipeline/poll-feed';
import { runPollCycle } from '../core/pipeline/run-poll-cycle';
import { seedDefaults, seedSubscriptions } from '../core/pipeline/seed-defaults';
import { TopicMatcherCache } from '../core/pipeline/topic-matcher-cache';
import type { Clock, CycleReport } from '../core/ports';
import { type DashboardServer, startDashboardServer } from './dashboard-server';
import { type DemoFeedServer, startDemoFeedServer } from './demo-feed-server';
import { type EmbeddedDynamo, LOCAL_TABLE_NAMES, startEmbeddedDynamo } from './embedded-dynamo';
import { OutboxAudiencePublisher } from './outbox-audience-publisher';
import { OutboxSubscriptionChannel } from './outbox-subscription-channel';

/** Who receives the demo's alerts: an analyst by email, a desk's daily digest, a phone. */
export const DEMO_SUBSCRIPTIONS = [
  {
    endpoint: 'analyst@example.org',
    topics: ['agreement-status', 'energy', 'nuclear-energy', 'nuclear-diplomacy', 'trust-tensions'],
    mode: 'instant',
  },
  {
    endpoint: 'policy-desk@example.org',
    topics: ['agreement-status', 'defense-military', 'multilateral'],
    mode: 'daily',
  },
  {
    endpoint: '+15555550100',
    topics: ['energy', 'finance-trade', 'transport-corridor'],
    mode: 'instant',
  },
];

export const DEFAULT_FEEDS_FILE = join(import.meta.dirname, '../../data/feeds.json');

export interface LocalRunOptions {
  dataDir: string;
  demo: boolean;
  once: boolean;
  intervalSeconds: number;
  concurrency: number;
  /** Feed list file (live mode). */
  feedsFile: string;
  /** Port of the demo feed server: fixed so feed URLs stay the same between runs. */
  demoPort: number;
  retentionDays: number;
  /** SMS alerts per subscriber per hour before the rest fold into the next digest. */
  smsPerHour: number;
  /** Keep the database in memory (tests). */
  inMemory?: boolean;
  /** Feed folder for the demo server (tests); the bundled demo by default. */
  demoDataDir?: string;
  print: (line: string) => void;
  /** Ends the interval loop (Ctrl-C locally, the end of a test). */
  signal?: AbortSignal;
  /**
   * Serve the dashboard (web/ and the API under /api) once the first cycle is done, until the
   * signal ends the run.
   */
  dashboard?: { port: number; token: string; host?: string };
  clock?: Clock;
}

export interface CycleSummary extends CycleReport {
  cycle: number;
  /** Digests sent after the poll. */
  digests: number;
  dynamoWrites: number;
  dynamoCalls: number;
}

export async function runLocal(options: LocalRunOptions): Promise<CycleSummary[]> {
  const { print } = options;
  const clock: Clock = options.clock ?? { now: () => new Date() };
  let demoServer: DemoFeedServer | undefined;
  let dynamo: EmbeddedDynamo | undefined;
  let fetcher: HttpFeedFetcher | undefined;
  let dashboard: DashboardServer | undefined;
  try {
    let feedConfigs: FeedConfig[];
    if (options.demo) {
      demoServer = await startDemoFeedServer({
        port: options.demoPort,
        dataDir: options.demoDataDir,
      });
      feedConfigs = demoServer.feeds;
      print(`demo: serving ${feedConfigs.length} sample feeds at ${demoServer.baseUrl}/feeds/`);
    } else {
      feedConfigs = parseFeedList(JSON.parse(readFileSync(options.feedsFile, 'utf8')));
    }
    // Demo and live data are kept apart, so a demo run never polls the live feed list.
    const databaseDir = join(options.dataDir, options.demo ? 'dynamodb-demo' : 'dynamodb');
    dynamo = await startEmbeddedDynamo(options.inMemory ? undefined : databaseDir);
    const pack = loadDefaultTopicPack();
    const stores = createDynamoStores(dynamo.document, LOCAL_TABLE_NAMES, options.retentionDays);
    const seeded = await seedDefaults(
      stores,
      { feeds: feedConfigs, topics: pack.topics, aliases: pack.aliases },
      clock.now(),
    );
    if (seeded.feedsAdded || seeded.topicsAdded || seeded.aliasesAdded) {
      print(
        `seeded ${seeded.feedsAdded} feeds, ${seeded.topicsAdded} topics and ${seeded.aliasesAdded} aliases`,
      );
    }
    const outboxPath = join(options.dataDir, 'outbox.jsonl');
    const subscriptionChannel = new OutboxSubscriptionChannel(outboxPath, clock);
    if (options.demo) {
      // The demo's subscribers, so its alerts have somebody to go to (idempotent).
      await seedSubscriptions(DEMO_SUBSCRIPTIONS, {
        store: stores.subscriptions,
        channel: subscriptionChannel,
        clock,
        topicIds: new Set(pack.topics.map((topic) => topic.id)),
      });
    }
    const matchers = new TopicMatcherCache(compileTopics);
    // Only the demo's own feed server is on loopback; a live feed list gets the Lambda's rules.
    fetcher = new HttpFeedFetcher({ timeoutMs: 15_000, allowLoopback: options.demo });
    const summaries: CycleSummary[] = [];
    for (let cycle = 1; ; cycle++) {
      dynamo.counter.reset();
      const audiencePublisher = new OutboxAudiencePublisher({
        path: outboxPath,
        subscriptions: stores.subscriptions,
        clock,
        print,
      });
      const { deps, topics, audiences } = await loadPollRun({
        stores,
        matchers,
        fetcher,
        publisher: audiencePublisher,
        clock,
        smsPerHour: options.smsPerHour,
        pollIntervalMs: options.intervalSeconds * 1000,
      });
      print(
        `cycle ${cycle}: polling due feeds (${topics.length} topics, ${audiences.length} audiences)`,
      );
      const report = await runPollCycle(deps, {
        concurrency: options.concurrency,
        onFeedDone: ({ name, url, outcome, done, total }) =>
          print(`  [${done}/${total}] ${name}: ${describeOutcome(outcome)} (${url})`),
      });
      // Digests whose period ended go out after the poll, as the hourly digest schedule does.
      const digests = await sendDueDigests(
        audiences,
        { ledger: stores.deliveries, publisher: audiencePublisher, stories: stores.stories },
        clock.now(),
      );
      const summary: CycleSummary = {
        ...report,
        digests: digests.digests,
        cycle,
        dynamoWrites: dynamo.counter.writes,
        dynamoCalls: dynamo.counter.total,
      };
      summaries.push(summary);
      print(formatCycleSummary(summary, outboxPath));
      if (options.dashboard && !dashboard) {
        dashboard = await startDashboardServer({
          api: createDashboardApi(dashboardDependencies(stores, subscriptionChannel, clock)),
          token: options.dashboard.token,
          port: options.dashboard.port,
          host: options.dashboard.host,
          onError: (error) => print(`dashboard: request failed: ${String(error)}`),
        });
        print(`dashboard: ${dashboard.url} (API token: ${options.dashboard.token})`);
      }
      if (options.once || options.signal?.aborted) break;
      const stopped = await waitOrAbort(options.intervalSeconds * 1000, options.signal);
      if (stopped) break;
    }
    return summaries;
  } finally {
    await dashboard?.close();
    fetcher?.destroy();
    await dynamo?.close();
    await demoServer?.close();
  }
}

export function formatCycleSummary(summary: CycleSummary, outboxPath: string): string {
  return [
    `cycle ${summary.cycle} done: feeds ${summary.feedsPolled} polled, ${summary.feedsUnchanged} unchanged (304), ${summary.feedsFailed} failed`,
    `  ${summary.newArticles} new articles, ${summary.matches} topic matches, ${summary.alerts} new stories alerted, ${summary.copies} copies folded`,
    `  ${summary.deliveries} messages delivered, ${summary.queued} queued for digests, ${summary.digests} digests sent${summary.alertFailures ? `, ${summary.alertFailures} stories not delivered (retried next cycle)` : ''}${summary.deadLetters ? `, ${summary.deadLetters} deliveries parked as dead letters` : ''} -> ${outboxPath}`,
    `  DynamoDB: ${summary.dynamoWrites} writes, ${summary.dynamoCalls} calls`,
    ...summary.failures.map((failure) => `  failed: ${failure.url}: ${failure.reason}`),
  ].join('\n');
}

function describeOutcome(outcome: FeedOutcome): string {
  switch (outcome.status) {
    case 'unchanged':
      return 'unchanged (304)';
    case 'failed':
      return `failed: ${outcome.reason}`;
    case 'updated':
      return `${outcome.items} items, ${outcome.newArticles} new, ${outcome.alerts} new stories, ${outcome.copies} copies`;
  }
}

function waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(true);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
