/**
 * `npm run bench:cost -- --feeds N [--warmup-days D] [--developments K] [--seed S] [--json]`
 *
 * One day of the deployed pipeline for N feeds at the default 15-minute tick (96 ticks), on a
 * simulated clock: the real core and DynamoDB stores on dynalite, the HTTP fetcher against a
 * loopback feed server (cost-bench-services.ts, in a child process so its CPU is not ours), story
 * folding, and delivery to a few audiences through a publisher that only counts. Each tick runs
 * what AWS runs: the dispatcher (due-index queries, one SendMessageBatch per 10 due feeds), then
 * one worker invocation per 5 queued feeds (topics and audiences loaded, each record's feed read
 * and polled at once, as functions/handlers/poll-worker.ts does); the digest runs every hour.
 * `--warmup-days` (default 1) run first and are not counted, so feeds have learnt their intervals
 * and the first import of every feed is not billed to the day. docs/cost.md turns the counts into
 * money. The last line is one JSON object.
 *
 * Counting rules:
 * - DynamoDB request units: every command asks for `ReturnConsumedCapacity: TOTAL` and dynalite
 *   computes it with DynamoDB's rules (reads: 4 KB units, half for eventually consistent; writes:
 *   1 KB units, the larger of old and new item). Added: a failed conditional write costs 1 WRU;
 *   a write to the feeds table also rewrites its `due` index entry (projection ALL, key
 *   `nextPollAt` changed: a delete and a put), counted as twice the table's units.
 * - SQS: SendMessageBatch per 10 due feeds; per worker invocation one ReceiveMessage and one
 *   DeleteMessageBatch. The event source's empty long polls are left to docs/cost.md.
 * - SNS: one publish per message (PublishBatch bills each entry), instant and digest apart.
 * - Lambda billed duration = measured CPU time scaled to the function's CPU share (memory / 1769
 *   MB of one vCPU) + modelled waits: the slowest fetch of the batch (304: 150 ms, 200: 300 ms,
 *   error: 200 ms), 8 ms per sequential DynamoDB call, 25 ms per SNS message, 15 ms per SQS call.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  countOperations,
  createDynamoClients,
  localDynamoConfig,
} from '../../functions/adapters/dynamodb/client';
import { createTablesIfMissing } from '../../functions/adapters/dynamodb/create-tables';
import { createDynamoStores } from '../../functions/adapters/dynamodb/stores';
import { HttpFeedFetcher } from '../../functions/adapters/http-feed-fetcher';
import type { AudienceMessage, AudiencePublisher } from '../../functions/core/delivery/ports';
import { sendDueDigests } from '../../functions/core/delivery/send-digests';
import { feedIdFor } from '../../functions/core/ids';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import { loadDefaultTopicPack } from '../../functions/core/matching/topic-pack';
import type { FeedConfig } from '../../functions/core/model';
import { loadPollRun } from '../../functions/core/pipeline/poll-dependencies';
import { type FeedOutcome, pollFeed } from '../../functions/core/pipeline/poll-feed';
import { seedDefaults } from '../../functions/core/pipeline/seed-defaults';
import { TopicMatcherCache } from '../../functions/core/pipeline/topic-matcher-cache';
import type { Clock } from '../../functions/core/ports';
import { subscribe } from '../../functions/core/subscriptions/subscribe';
import { LOCAL_TABLE_NAMES } from '../../functions/local/embedded-dynamo';
import { DEMO_SUBSCRIPTIONS } from '../../functions/local/local-runner';

const { values } = parseArgs({
  options: {
    feeds: { type: 'string', default: '100' },
    'warmup-days': { type: 'string', default: '1' },
    seed: { type: 'string', default: '7' },
    developments: { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
  },
});
const feedCount = Number(values.feeds);
const warmupDays = Number(values['warmup-days']);
if (!Number.isInteger(feedCount) || feedCount <= 0 || !(warmupDays >= 0)) {
  throw new Error('--feeds must be a positive whole number and --warmup-days at least 0');
}

const TICK_MS = 15 * 60_000;
const TICKS_PER_DAY = 96;
const WORKER_BATCH_SIZE = 5;
const SEND_BATCH_SIZE = 10;
/** Memory sizes of lib/news-alerts-stateless-stack.ts. */
const MEMORY_MB = { dispatch: 256, worker: 1024, digest: 512 } as const;
/** Lambda gives one vCPU at 1,769 MB and CPU in proportion to memory below that. */
const FULL_VCPU_MB = 1769;
const WAIT_MS = { notModified: 150, updated: 300, failed: 200, dynamo: 8, sns: 25, sqs: 15 };

// ---- the day's counters -------------------------------------------------------------------------

class CapacityMeter {
  readUnits = 0;
  writeUnits = 0;
  paused = false;

  reset(): void {
    this.readUnits = 0;
    this.writeUnits = 0;
  }
}

const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);

function meterCapacity(client: DynamoDBClient): CapacityMeter {
  const meter = new CapacityMeter();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      const isRead = READS.has(name);
      if (!isRead && !WRITES.has(name)) return next(args);
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      try {
        const result = await next(args);
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const entries = [consumed].flat() as (
          | { TableName?: string; CapacityUnits?: number }
          | undefined
        )[];
        for (const entry of entries) {
          if (!entry || meter.paused) continue;
          const units = entry.CapacityUnits ?? 0;
          if (isRead) meter.readUnits += units;
          else meter.writeUnits += units * (entry.TableName === LOCAL_TABLE_NAMES.feeds ? 3 : 1);
        }
        return result;
      } catch (error) {
        if (!meter.paused && (error as Error).name === 'ConditionalCheckFailedException') {
          meter.writeUnits += 1;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'costBenchCapacityMeter' },
  );
  return meter;
}

/** Stands in for SNS: counts the messages an audience topic would receive. */
class CountingPublisher implements AudiencePublisher {
  readonly messages = { instant: 0, digest: 0, email: 0, sms: 0 };

  async publish(messages: readonly AudienceMessage[]) {
    for (const message of messages) {
      const kind = message.message.attributes.kind?.StringValue ?? 'instant';
      if (kind === 'digest') this.messages.digest++;
      else this.messages.instant++;
      this.messages[message.audience.channel === 'sms' ? 'sms' : 'email']++;
    }
    return { published: messages.map((message) => message.id), failed: [] };
  }

  get total(): number {
    return this.messages.instant + this.messages.digest;
  }

  reset(): void {
    this.messages.instant = 0;
    this.messages.digest = 0;
    this.messages.email = 0;
    this.messages.sms = 0;
  }
}

interface Lambda {
  invocations: number;
  cpuMs: number;
  billedMs: number;
  gbSeconds: number;
}
const emptyLambda = (): Lambda => ({ invocations: 0, cpuMs: 0, billedMs: 0, gbSeconds: 0 });

function bill(lambda: Lambda, memoryMb: number, cpuMs: number, waitMs: number): void {
  const billedMs = Math.ceil(cpuMs / (memoryMb / FULL_VCPU_MB) + waitMs);
  lambda.invocations++;
  lambda.cpuMs += cpuMs;
  lambda.billedMs += billedMs;
  lambda.gbSeconds += (billedMs / 1000) * (memoryMb / 1024);
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

// ---- the world: dynalite and the feed server ------------------------------------------------------

async function startServices(): Promise<{
  child: ChildProcess;
  dynamoPort: number;
  feedPort: number;
}> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./cost-bench-services.ts', import.meta.url).pathname,
      '--feeds',
      String(feedCount),
      '--seed',
      String(values.seed),
      '--developments',
      String(values.developments),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (!child.stdout) throw new Error('the services process has no stdout');
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the services process exited (${code})`)));
  });
  return { child, ...(JSON.parse(first) as { dynamoPort: number; feedPort: number }) };
}

const services = await startServices();
const feedBase = `http://127.0.0.1:${services.feedPort}`;
const dynamo = createDynamoClients(localDynamoConfig(`http://127.0.0.1:${services.dynamoPort}`));
await createTablesIfMissing(dynamo.client, LOCAL_TABLE_NAMES);
const operations = countOperations(dynamo.client);
const capacity = meterCapacity(dynamo.client);
const stores = createDynamoStores(dynamo.document, LOCAL_TABLE_NAMES, 30);

let simulatedMs = Date.parse('2026-01-05T00:00:00Z');
const clock: Clock = { now: () => new Date(simulatedMs) };
async function publishTick(initial = false): Promise<Record<string, number>> {
  const at = encodeURIComponent(clock.now().toISOString());
  const response = await fetch(`${feedBase}/control/tick?at=${at}${initial ? '&initial' : ''}`, {
    method: 'POST',
  });
  return (await response.json()) as Record<string, number>;
}

const feeds: FeedConfig[] = Array.from({ length: feedCount }, (_, index) => {
  const url = `${feedBase}/feeds/${index}.xml`;
  return { id: feedIdFor(url), url, name: `Outlet ${index}`, language: 'en' };
});
const pack = loadDefaultTopicPack();
await seedDefaults(stores, { feeds, topics: pack.topics, aliases: pack.aliases }, clock.now());
const topicIds = new Set(pack.topics.map((topic) => topic.id));
const channel = {
  join: async () => ({ status: 'confirmed' as const, target: 'bench' }),
  leave: async () => {},
};
// The demo's three audiences (instant email, daily email, instant SMS) and an hourly one.
for (const input of [
  ...DEMO_SUBSCRIPTIONS,
  { endpoint: 'hourly@example.org', topics: ['agreement-status', 'energy'], mode: 'hourly' },
]) {
  await subscribe(input, { store: stores.subscriptions, channel, clock, topicIds });
}
await publishTick(true);

const publisher = new CountingPublisher();
const matchers = new TopicMatcherCache(compileTopics);
// The bench's feed server is on loopback, which the deployed poller refuses.
const fetcher = new HttpFeedFetcher({ timeoutMs: 20_000, allowLoopback: true });
/** The counts of one simulated day, all zero. */
const emptyDay = () => ({
  dispatch: emptyLambda(),
  worker: emptyLambda(),
  digest: emptyLambda(),
  sqs: { send: 0, receive: 0, delete: 0 },
  feedPolls: { notModified: 0, updated: 0, failed: 0, skipped: 0 },
  newArticles: 0,
  stories: 0,
  copies: 0,
});
const day = emptyDay();

/** One worker invocation: what functions/handlers/poll-worker.ts does with a batch. */
async function runWorker(records: { feedId: string; dueAt: string }[]): Promise<void> {
  const cpuStart = process.cpuUsage();
  const callsBefore = operations.total;
  const publishedBefore = publisher.total;
  const { deps } = await loadPollRun({
    stores,
    matchers,
    fetcher,
    publisher,
    clock,
    smsPerHour: 5,
    pollIntervalMs: TICK_MS,
  });
  const loadCalls = operations.total - callsBefore;
  const outcomes = await Promise.all(
    records.map(async ({ feedId, dueAt }): Promise<FeedOutcome | undefined> => {
      const feed = await deps.feeds.getFeed(feedId);
      if (!feed || Date.parse(feed.nextPollAt) > Date.parse(dueAt)) return undefined;
      return pollFeed(feed, deps);
    }),
  );
  const cpuMs = cpuMsSince(cpuStart);
  let slowestFetchMs = 0;
  for (const outcome of outcomes) {
    if (!outcome) {
      day.feedPolls.skipped++;
      continue;
    }
    if (outcome.status === 'unchanged') day.feedPolls.notModified++;
    else if (outcome.status === 'failed') day.feedPolls.failed++;
    else {
      day.feedPolls.updated++;
      day.newArticles += outcome.newArticles;
      day.stories += outcome.alerts;
      day.copies += outcome.copies;
    }
    const fetchMs =
      outcome.status === 'unchanged'
        ? WAIT_MS.notModified
        : outcome.status === 'failed'
          ? WAIT_MS.failed
          : WAIT_MS.updated;
    slowestFetchMs = Math.max(slowestFetchMs, fetchMs);
  }
  const pollCalls = operations.total - callsBefore - loadCalls;
  const waitMs =
    slowestFetchMs +
    (loadCalls + Math.ceil(pollCalls / records.length)) * WAIT_MS.dynamo +
    (publisher.total - publishedBefore) * WAIT_MS.sns;
  bill(day.worker, MEMORY_MB.worker, cpuMs, waitMs);
  day.sqs.receive++;
  day.sqs.delete++;
}

async function runTick(tick: number): Promise<void> {
  await publishTick();
  // Dispatcher
  let cpuStart = process.cpuUsage();
  let callsBefore = operations.total;
  const due = await stores.feeds.listDueFeeds(clock.now());
  const sendBatches = Math.ceil(due.length / SEND_BATCH_SIZE);
  day.sqs.send += sendBatches;
  bill(
    day.dispatch,
    MEMORY_MB.dispatch,
    cpuMsSince(cpuStart),
    (operations.total - callsBefore) * WAIT_MS.dynamo + sendBatches * WAIT_MS.sqs,
  );
  // Workers, one batch of 5 records an invocation
  const records = due.map((feed) => ({ feedId: feed.id, dueAt: feed.nextPollAt }));
  for (let start = 0; start < records.length; start += WORKER_BATCH_SIZE) {
    await runWorker(records.slice(start, start + WORKER_BATCH_SIZE));
  }
  // Digest, hourly
  if (tick % 4 === 3) {
    cpuStart = process.cpuUsage();
    callsBefore = operations.total;
    const publishedBefore = publisher.total;
    const audiences = await stores.subscriptions.listAudiences();
    await sendDueDigests(
      audiences,
      { ledger: stores.deliveries, publisher, stories: stores.stories },
      clock.now(),
    );
    bill(
      day.digest,
      MEMORY_MB.digest,
      cpuMsSince(cpuStart),
      (operations.total - callsBefore) * WAIT_MS.dynamo +
        (publisher.total - publishedBefore) * WAIT_MS.sns,
    );
  }
}

/** Approximate stored bytes per table: marshalled JSON length + 100 bytes of index overhead. */
async function tableBytes(): Promise<Record<string, number>> {
  capacity.paused = true;
  const sizes: Record<string, number> = {};
  for (const [key, tableName] of Object.entries(LOCAL_TABLE_NAMES)) {
    let bytes = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamo.document.send(
        new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) bytes += JSON.stringify(item).length + 100;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    sizes[key] = bytes;
  }
  capacity.paused = false;
  return sizes;
}

const started = performance.now();
const print = (line: string) => {
  if (!values.json) console.log(line);
};
for (let tick = 0; tick < warmupDays * TICKS_PER_DAY; tick++) {
  await runTick(tick);
  simulatedMs += TICK_MS;
}
print(`warm-up: ${warmupDays} day(s) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
// The warm-up day is not counted.
Object.assign(day, emptyDay());
const bytesBefore = await tableBytes();
capacity.reset();
operations.reset();
publisher.reset();
const dayStarted = performance.now();
for (let tick = 0; tick < TICKS_PER_DAY; tick++) {
  await runTick(tick);
  simulatedMs += TICK_MS;
}
const daySeconds = (performance.now() - dayStarted) / 1000;
const dynamoCalls = Object.fromEntries(operations.byCommand);
const bytesAfter = await tableBytes();
fetcher.destroy();
dynamo.client.destroy();
services.child.kill();

const lambdas = [day.dispatch, day.worker, day.digest];
const result = {
  feeds: feedCount,
  day: {
    dynamoReads: Math.round(capacity.readUnits * 10) / 10,
    dynamoWrites: Math.round(capacity.writeUnits * 10) / 10,
    sqsRequests: day.sqs.send + day.sqs.receive + day.sqs.delete,
    snsPublishes: publisher.total,
    lambdaInvocations: lambdas.reduce((sum, lambda) => sum + lambda.invocations, 0),
    lambdaGbSeconds:
      Math.round(lambdas.reduce((sum, lambda) => sum + lambda.gbSeconds, 0) * 100) / 100,
  },
  detail: {
    dynamoCalls,
    sqs: day.sqs,
    sns: publisher.messages,
    lambda: Object.fromEntries(
      (['dispatch', 'worker', 'digest'] as const).map((name) => [
        name,
        {
          invocations: day[name].invocations,
          cpuMs: Math.round(day[name].cpuMs),
          billedMs: day[name].billedMs,
          gbSeconds: Math.round(day[name].gbSeconds * 100) / 100,
        },
      ]),
    ),
    feedPolls: day.feedPolls,
    newArticles: day.newArticles,
    stories: day.stories,
    copies: day.copies,
    storedBytes: bytesAfter,
    storedBytesAddedInDay: Object.fromEntries(
      Object.entries(bytesAfter).map(([table, bytes]) => [
        table,
        bytes - (bytesBefore[table] ?? 0),
      ]),
    ),
    simulatedDaySeconds: Math.round(daySeconds * 10) / 10,
  },
};
const polls = day.feedPolls;
print(`day of ${feedCount} feeds simulated in ${daySeconds.toFixed(1)} s`);
print(
  `  polls: ${polls.notModified} 304, ${polls.updated} 200, ${polls.failed} failed, ${polls.skipped} skipped; ${day.newArticles} new articles, ${day.stories} stories, ${day.copies} copies`,
);
print(
  `  DynamoDB: ${result.day.dynamoReads} RRU, ${result.day.dynamoWrites} WRU; calls ${JSON.stringify(dynamoCalls)}`,
);
print(
  `  SQS: ${day.sqs.send} sends, ${day.sqs.receive} receives, ${day.sqs.delete} deletes; SNS: ${JSON.stringify(publisher.messages)}`,
);
for (const name of ['dispatch', 'worker', 'digest'] as const) {
  const lambda = day[name];
  print(
    `  Lambda ${name}: ${lambda.invocations} invocations, CPU ${Math.round(lambda.cpuMs)} ms, billed ${lambda.billedMs} ms, ${lambda.gbSeconds.toFixed(2)} GB-s`,
  );
}
console.log(JSON.stringify(result));
