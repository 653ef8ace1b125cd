/**
 * The world the fault tests (faults-*.test.ts) run in: feeds served from loopback with content the
 * test sets, the real pipeline over dynalite through the SDK (story folding included), three
 * audiences (instant email, instant SMS, daily email), and ways to make things go wrong:
 * - `faults` injects DynamoDB errors inside the SDK's retry loop (the SDK retries them as it
 *   would on AWS), and unprocessed keys or items into batch calls;
 * - `ledgerOfSends` tells, from what a publisher was asked, which delivery reached which
 *   audience how often.
 * A baseline run on fresh tables gives what should be delivered; each fault test compares the
 * end state after its fault and the re-runs with it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoStores, type DynamoStores } from '../../functions/adapters/dynamodb/stores';
import { HttpFeedFetcher } from '../../functions/adapters/http-feed-fetcher';
import type { AudienceMessage, AudiencePublisher } from '../../functions/core/delivery/ports';
import { feedIdFor } from '../../functions/core/ids';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import type { PollDependencies } from '../../functions/core/pipeline/poll-feed';
import { FingerprintStoryFolder } from '../../functions/core/pipeline/story-folder';
import { type Audience, audienceFor } from '../../functions/core/subscriptions/subscription';
import { createTestTables, type TestTables } from '../support/dynamo';

export const TOPICS = [
  { id: 'energy', name: 'Energy', description: '', query: 'gas OR gazprom' },
  { id: 'agreement-status', name: 'Agreement', description: '', query: 'treaty AND ratif*' },
  { id: 'transport-corridor', name: 'Corridor', description: '', query: 'railway' },
];
const matcher = compileTopics(TOPICS, {});
const topicNames = Object.fromEntries(TOPICS.map((topic) => [topic.id, topic.name]));

const topicArn = (name: string) => `arn:aws:sns:eu-central-1:123456789012:news-alerts-aud-${name}`;
export const AUDIENCES: Audience[] = [
  {
    ...audienceFor('email', ['energy', 'agreement-status', 'transport-corridor'], 'instant'),
    target: topicArn('email-all'),
  },
  { ...audienceFor('sms', ['energy'], 'instant'), target: topicArn('sms-energy') },
  { ...audienceFor('email', ['agreement-status'], 'daily'), target: topicArn('daily-treaty') },
];

export interface FeedItem {
  guid: string;
  title: string;
  description?: string;
  link?: string;
}

/** Distinct developments (none folds into another), and a re-titled copy of the first. */
export const ITEMS = {
  gasDeal: {
    guid: 'gas-deal',
    title: 'Gazprom and NIGC sign gas contract for supplies through Azerbaijan',
    description:
      'Russian gas will reach Iran through Azerbaijan under a contract signed in Tehran on Monday by the heads of Gazprom and the National Iranian Gas Company.',
    link: 'https://tass.example/economy/gas-deal',
  },
  gasDealCopy: {
    guid: 'gas-deal-copy',
    title: 'Russia and Iran seal Gazprom–NIGC gas supply contract via Azerbaijan',
    description:
      'Russian gas will reach Iran through Azerbaijan under a contract signed in Tehran on Monday by the heads of Gazprom and the National Iranian Gas Company.',
    link: 'https://wire.example/world/russia-iran-gas',
  },
  ratification: {
    guid: 'ratification',
    title: 'State Duma ratifies the comprehensive strategic partnership treaty with Iran',
    description:
      'Deputies approved the 20-year treaty signed in Moscow in January; the Federation Council votes next week.',
    link: 'https://tass.example/politics/duma-ratifies',
  },
  railway: {
    guid: 'railway',
    title: 'Rasht–Astara railway: Russia releases the first loan tranche',
    description: 'The North–South corridor link will be built by 2028, officials in Baku said.',
    link: 'https://wire.example/economy/rasht-astara',
  },
  filler: {
    guid: 'filler',
    title: 'City council approves the new library budget',
    description: 'The library will open on Sundays from next month.',
    link: 'https://local.example/library',
  },
  pipeline: {
    guid: 'pipeline',
    title: 'Caspian gas pipeline survey starts in Turkmenistan',
    description: 'Engineers began surveying a seabed route for a Caspian gas pipeline on Tuesday.',
    link: 'https://wire.example/energy/caspian-survey',
  },
} satisfies Record<string, FeedItem>;

function rss(title: string, items: readonly FeedItem[]): string {
  const body = items
    .map(
      (item) =>
        `<item><guid isPermaLink="false">${item.guid}</guid><title>${item.title}</title>` +
        `<link>${item.link ?? `https://outlet.example/${item.guid}`}</link>` +
        `<description>${item.description ?? ''}</description>` +
        '<pubDate>Thu, 01 May 2025 09:00:00 GMT</pubDate></item>',
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${title}</title><link>https://outlet.example/</link>${body}</channel></rss>`;
}

/** Feeds served from loopback, with conditional GET (ETag) and content the test sets. */
export class FeedServer {
  private readonly items = new Map<string, FeedItem[]>();
  private readonly versions = new Map<string, number>();
  /** Requests per feed name. */
  readonly requests = new Map<string, number>();
  private server: Server | undefined;
  private base = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const name = (request.url ?? '/').replace(/^\/|\.xml$/g, '');
      const items = this.items.get(name);
      this.requests.set(name, (this.requests.get(name) ?? 0) + 1);
      if (!items) {
        response.writeHead(404).end();
        return;
      }
      const etag = `"${name}-v${this.versions.get(name) ?? 0}"`;
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, { ETag: etag }).end();
        return;
      }
      response
        .writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8', ETag: etag })
        .end(rss(name, items));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  url(name: string): string {
    return `${this.base}/${name}.xml`;
  }

  feed(name: string, items: readonly FeedItem[]) {
    this.items.set(name, [...items]);
    this.versions.set(name, (this.versions.get(name) ?? 0) + 1);
    const url = this.url(name);
    return { id: feedIdFor(url), url, name, language: 'en' as const };
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

// ---- DynamoDB faults ---------------------------------------------------------------------------

export interface FaultRule {
  /** The low-level command name, e.g. `PutItemCommand`. */
  command: string;
  /** Which requests: matched against the marshalled input as JSON. */
  matching?: RegExp;
  /** The error the request fails with. */
  error: () => Error;
  /** How many requests fail; unlimited when absent. */
  times?: number;
  /** Fails only a request's first attempt: the SDK's retry then gets through. */
  firstAttemptOnly?: boolean;
}

/** DynamoDB faults injected through the client's middleware stack. */
export class DynamoFaults {
  private rules: FaultRule[] = [];
  private unprocessed: {
    command: 'BatchGetItemCommand' | 'BatchWriteItemCommand';
    times: number;
  }[] = [];
  /** Errors injected, by command name. */
  readonly injected = new Map<string, number>();
  /** Requests sent to dynalite (after the injected ones), by command name. */
  readonly reached = new Map<string, number>();

  constructor(client: DynamoDBClient) {
    const id = randomUUID().slice(0, 8);
    // Inside the SDK's retry loop: an injected error is retried (or not) as AWS's would be.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? '';
        const input = JSON.stringify(args.input);
        // The SDK numbers the attempts of one call in this header: `attempt=1; max=3`.
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        const firstAttempt = (headers['amz-sdk-request'] ?? 'attempt=1').startsWith('attempt=1;');
        const rule = this.rules.find(
          (candidate) =>
            candidate.command === name &&
            (!candidate.firstAttemptOnly || firstAttempt) &&
            (candidate.matching === undefined || candidate.matching.test(input)) &&
            (candidate.times === undefined || candidate.times > 0),
        );
        if (rule) {
          if (rule.times !== undefined) rule.times -= 1;
          this.injected.set(name, (this.injected.get(name) ?? 0) + 1);
          throw rule.error();
        }
        this.reached.set(name, (this.reached.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: `injectFaults-${id}` },
    );
    // Unprocessed keys and items are answers, not errors: the SDK hands them to our code.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? '';
        const leftover = this.unprocessed.find(
          (entry) => entry.command === name && entry.times > 0,
        );
        if (!leftover) return next(args);
        const input = args.input as {
          RequestItems: Record<string, { Keys?: unknown[] } | unknown[]>;
        };
        const [table, request] = Object.entries(input.RequestItems)[0] ?? [];
        if (table === undefined || request === undefined) return next(args);
        const entries = Array.isArray(request) ? request : (request.Keys ?? []);
        leftover.times -= 1;
        this.injected.set(name, (this.injected.get(name) ?? 0) + 1);
        // The first half is processed and the rest handed back; a single entry is handed back.
        const sent = entries.slice(0, Math.floor(entries.length / 2));
        const back = entries.slice(sent.length);
        const unprocessed = Array.isArray(request)
          ? { UnprocessedItems: { [table]: back } }
          : { UnprocessedKeys: { [table]: { ...request, Keys: back } } };
        if (sent.length === 0) {
          const output = Array.isArray(request) ? {} : { Responses: { [table]: [] } };
          return { output: { ...output, ...unprocessed, $metadata: {} }, response: {} } as Awaited<
            ReturnType<typeof next>
          >;
        }
        const result = await next({
          ...args,
          input: {
            ...input,
            RequestItems: {
              [table]: Array.isArray(request) ? sent : { ...request, Keys: sent },
            },
          },
        });
        Object.assign(result.output as object, unprocessed);
        return result;
      },
      { step: 'initialize', name: `injectUnprocessed-${id}` },
    );
  }

  fail(rule: FaultRule): this {
    this.rules.push({ ...rule });
    return this;
  }

  /** The next `times` batch calls of `command` process only half of what they were given. */
  leaveUnprocessed(command: 'BatchGetItemCommand' | 'BatchWriteItemCommand', times: number) {
    this.unprocessed.push({ command, times });
    return this;
  }

  clear(): void {
    this.rules = [];
    this.unprocessed = [];
  }

  count(command: string): number {
    return this.injected.get(command) ?? 0;
  }
}

// ---- publishing --------------------------------------------------------------------------------

/** Stands in for SNS: accepts every message, and remembers each send. */
export class RecordingPublisher implements AudiencePublisher {
  readonly sends: { id: string; audienceId: string; kind: string }[] = [];

  async publish(messages: readonly AudienceMessage[]) {
    for (const message of messages) {
      this.sends.push({
        id: message.id,
        audienceId: message.audience.id,
        kind: message.message.attributes.kind?.StringValue ?? 'instant',
      });
    }
    return { published: messages.map((message) => message.id), failed: [] };
  }

  /** How often each delivery was sent, by `audienceId/deliveryId`. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const send of this.sends) {
      const key = `${send.audienceId}/${send.id}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }
}

// ---- the world ---------------------------------------------------------------------------------

export const START = new Date('2025-05-01T10:00:00Z');
export const MINUTE = 60_000;

export interface World {
  tables: TestTables;
  stores: DynamoStores;
  faults: DynamoFaults;
  deps: PollDependencies;
  clock: { now: () => Date; advance: (ms: number) => void };
  /** What each audience has queued for its digest: `audienceId/storyId`, sorted. */
  queued(): Promise<string[]>;
}

export async function createWorld(
  feeds: readonly { id: string; url: string; name: string; language: 'en' }[],
  publisher: AudiencePublisher,
): Promise<World> {
  const tables = await createTestTables();
  const faults = new DynamoFaults(tables.client);
  const stores = createDynamoStores(tables.document, tables.names, 30);
  await stores.feeds.addFeeds(feeds, START);
  let now = START.getTime();
  const clock = {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
  };
  const deps: PollDependencies = {
    feeds: stores.feeds,
    articles: stores.articles,
    matches: stores.matches,
    fetcher: new HttpFeedFetcher({ timeoutMs: 5_000, allowLoopback: true }),
    matcher,
    stories: { folder: new FingerprintStoryFolder(stores.storyIndex), store: stores.stories },
    activity: stores.activity,
    delivery: {
      ledger: stores.deliveries,
      publisher,
      audiences: AUDIENCES,
      settings: { smsPerHour: 5 },
    },
    topicNames,
    clock,
    settings: { pollIntervalMs: MINUTE, maxBackoffMs: 60 * MINUTE },
  };
  const queued = async () => {
    const entries: string[] = [];
    for (const audience of AUDIENCES) {
      for (const entry of await stores.deliveries.queuedStories(audience.id)) {
        entries.push(`${audience.id}/${entry.storyId}`);
      }
    }
    return entries.sort();
  };
  return { tables, stores, faults, deps, clock, queued };
}
