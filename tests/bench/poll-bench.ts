/**
 * `npm run bench:poll -- [--feeds 1000] [--concurrency 50] [--seed 7] [--fetch-timeout-ms 1000]`
 *
 * One poll cycle of the real pipeline under load: `runPollCycle` with the real HTTP fetcher, the
 * DynamoDB stores on dynalite, the default topic pack and the demo's audiences, publishing through
 * a publisher that only counts. The feeds are served from loopback by poll-bench-services.ts, in a
 * child process (dynalite too), so only the poller's CPU is in this process. Each response comes
 * after a seeded random latency of 50–500 ms; 5 % of the feeds fail (500, or no answer until the
 * fetcher's deadline), 20 % answer 304, a quarter have one new item (some of them topical).
 *
 * A first cycle imports every feed (not measured), so the measured cycle sends validators. The
 * measured cycle should take about as long as fetching with `concurrency` slots takes:
 * ideal = feeds × mean latency ÷ concurrency, with the mean of the latencies actually drawn (a
 * feed that never answers counts as the fetch deadline). Budget: wall ≤ 1.5 × ideal and peak RSS
 * ≤ 256 MB (sampled every 50 ms during the measured cycle). A few lines for people on stderr; the
 * last line on stdout is one JSON object:
 * {"feeds","concurrency","wallMs","idealMs","ratio","peakRssMB","failed","unchanged","alerts"}.
 * Exits 1 when over budget.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  countOperations,
  createDynamoClients,
  localDynamoConfig,
} from '../../functions/adapters/dynamodb/client';
import { createTablesIfMissing } from '../../functions/adapters/dynamodb/create-tables';
import { createDynamoStores } from '../../functions/adapters/dynamodb/stores';
import { HttpFeedFetcher } from '../../functions/adapters/http-feed-fetcher';
import type { AudienceMessage, AudiencePublisher } from '../../functions/core/delivery/ports';
import { feedIdFor } from '../../functions/core/ids';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import { loadDefaultTopicPack } from '../../functions/core/matching/topic-pack';
import type { FeedConfig } from '../../functions/core/model';
import { loadPollRun } from '../../functions/core/pipeline/poll-dependencies';
import { runPollCycle } from '../../functions/core/pipeline/run-poll-cycle';
import { seedDefaults } from '../../functions/core/pipeline/seed-defaults';
import { TopicMatcherCache } from '../../functions/core/pipeline/topic-matcher-cache';
import type { Clock } from '../../functions/core/ports';
import { subscribe } from '../../functions/core/subscriptions/subscribe';
import { LOCAL_TABLE_NAMES } from '../../functions/local/embedded-dynamo';
import { DEMO_SUBSCRIPTIONS } from '../../functions/local/local-runner';

const { values } = parseArgs({
  options: {
    feeds: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '50' },
    seed: { type: 'string', default: '7' },
    'fetch-timeout-ms': { type: 'string', default: '1000' },
    /** Writes a CPU profile of the measured cycle only (open it in Chrome's DevTools). */
    'cpu-profile': { type: 'string' },
  },
});
const feedCount = Number(values.feeds);
const concurrency = Number(values.concurrency);
const fetchTimeoutMs = Number(values['fetch-timeout-ms']);
for (const [name, value] of Object.entries({ feedCount, concurrency, fetchTimeoutMs })) {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive whole number, got ${value}`);
  }
}

const MAX_RATIO = 1.5;
const MAX_RSS_MB = 256;
const TICK_MS = 15 * 60_000;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Stands in for SNS: accepts and counts every message. */
class CountingPublisher implements AudiencePublisher {
  messages = 0;
  async publish(messages: readonly AudienceMessage[]) {
    this.messages += messages.length;
    return { published: messages.map((message) => message.id), failed: [] };
  }
}

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
      new URL('./poll-bench-services.ts', import.meta.url).pathname,
      '--feeds',
      String(feedCount),
      '--seed',
      String(values.seed),
      '--fetch-timeout-ms',
      String(fetchTimeoutMs),
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
const stores = createDynamoStores(dynamo.document, LOCAL_TABLE_NAMES, 30);

let simulatedMs = Date.parse('2026-01-05T00:00:00Z');
const clock: Clock = { now: () => new Date(simulatedMs) };
async function startPhase(name: 'import' | 'measured'): Promise<void> {
  const at = encodeURIComponent(clock.now().toISOString());
  await fetch(`${feedBase}/control/phase?name=${name}&at=${at}`, { method: 'POST' });
}
async function phaseStats(): Promise<{ requests: number; latencyMs: number; answered: object }> {
  return (await (await fetch(`${feedBase}/control/stats`)).json()) as {
    requests: number;
    latencyMs: number;
    answered: object;
  };
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
for (const input of DEMO_SUBSCRIPTIONS) {
  await subscribe(input, { store: stores.subscriptions, channel, clock, topicIds });
}

const publisher = new CountingPublisher();
const matchers = new TopicMatcherCache(compileTopics);
// The bench's feed server is on loopback, which the deployed poller refuses.
const fetcher = new HttpFeedFetcher({ timeoutMs: fetchTimeoutMs, allowLoopback: true });
const parts = {
  stores,
  matchers,
  fetcher,
  publisher,
  clock,
  smsPerHour: 5,
  pollIntervalMs: TICK_MS,
};

// The import: every feed's first poll stores its items and validators. Not measured.
await startPhase('import');
let started = performance.now();
const imported = await runPollCycle((await loadPollRun(parts)).deps, { concurrency });
log(
  `import: ${imported.feedsPolled} feeds, ${imported.newArticles} articles in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

// The measured cycle, one tick later: every feed is due again.
simulatedMs += TICK_MS;
await startPhase('measured');
const { deps } = await loadPollRun(parts);
operations.reset();
const rssBefore = process.memoryUsage().rss;
const profiler = values['cpu-profile'] ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
let peakRss = process.memoryUsage().rss;
let peakHeap = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  const memory = process.memoryUsage();
  peakRss = Math.max(peakRss, memory.rss);
  peakHeap = Math.max(peakHeap, memory.heapUsed);
}, 50);
const cpuStart = process.cpuUsage();
started = performance.now();
const report = await runPollCycle(deps, { concurrency });
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuStart);
clearInterval(sampler);
if (profiler && values['cpu-profile']) {
  const { profile } = await profiler.post('Profiler.stop');
  await writeFile(values['cpu-profile'], JSON.stringify(profile));
  profiler.disconnect();
}
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const stats = await phaseStats();
fetcher.destroy();
dynamo.client.destroy();
services.child.kill('SIGTERM');

const meanLatencyMs = stats.requests > 0 ? stats.latencyMs / stats.requests : 0;
const idealMs = (feedCount * meanLatencyMs) / concurrency;
const ratio = wallMs / idealMs;
const peakRssMB = peakRss / 2 ** 20;
const dynamoCalls = Object.fromEntries(operations.byCommand);
log(
  `measured cycle: ${report.feedsPolled} feeds at concurrency ${concurrency} in ${Math.round(wallMs)} ms (ideal ${Math.round(idealMs)} ms, mean latency ${Math.round(meanLatencyMs)} ms): ratio ${ratio.toFixed(2)}`,
);
log(
  `  answers ${JSON.stringify(stats.answered)}; ${report.feedsUnchanged} unchanged, ${report.feedsFailed} failed, ${report.newArticles} new articles, ${report.alerts} stories, ${publisher.messages} messages`,
);
log(
  `  poller CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms; RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before (the import's high-water mark), peak ${peakRssMB.toFixed(0)} MB, heap used at most ${(peakHeap / 2 ** 20).toFixed(0)} MB; DynamoDB calls ${operations.total} ${JSON.stringify(dynamoCalls)}`,
);
const overBudget = ratio > MAX_RATIO || peakRssMB > MAX_RSS_MB;
if (overBudget) {
  log(`  over budget: ratio ≤ ${MAX_RATIO} and peak RSS ≤ ${MAX_RSS_MB} MB expected`);
}
process.stdout.write(
  `${JSON.stringify({
    feeds: feedCount,
    concurrency,
    wallMs: Math.round(wallMs),
    idealMs: Math.round(idealMs),
    ratio: Math.round(ratio * 100) / 100,
    peakRssMB: Math.round(peakRssMB),
    failed: report.feedsFailed,
    unchanged: report.feedsUnchanged,
    alerts: report.alerts,
  })}\n`,
);
process.exitCode = overBudget ? 1 : 0;
