/**
 * The deployment configuration of news-alerts: one typed object, read once at synth. The values
 * come from a config file (config/default.json, or the file `-c configFile=<path>` names), and any
 * of them can be overridden by CDK context (`-c retentionDays=45`, or cdk.json's "context"). Every
 * value is checked here, with the same rules the functions apply (the feed list, endpoints, modes),
 * so a bad one fails `cdk synth` with one line naming the field, where it was set and what is
 * wrong, instead of failing a deploy halfway through or the first poll.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'constructs';
import { z } from 'zod';
import { checkFetchUrl } from '../functions/adapters/address-guard';
import { parseFeedList } from '../functions/core/feeds/feed-list';
import { loadDefaultTopicPack } from '../functions/core/matching/topic-pack';
import type { FeedConfig } from '../functions/core/model';
import {
  type Channel,
  type DeliveryMode,
  parseEndpoint,
  parseMode,
  parseTopicIds,
} from '../functions/core/subscriptions/subscription';
import { PollScheduleSchema } from './schedules';

/** Relative paths in the config (and `-c configFile`) are read from here, where cdk.json is. */
export const PROJECT_ROOT = path.join(import.meta.dirname, '..');
export const DEFAULT_CONFIG_FILE = 'config/default.json';
/** The context key that picks another config file, e.g. `-c configFile=config/prod.json`. */
export const CONFIG_FILE_CONTEXT_KEY = 'configFile';

/** A subscription the deployment starts with, checked as the subscribe command checks one. */
export interface DefaultSubscription {
  readonly channel: Channel;
  readonly address: string;
  readonly topicIds: readonly string[];
  readonly mode: DeliveryMode;
}

export interface DeploymentConfig {
  /** EventBridge schedule expression of the poll. */
  readonly pollSchedule: string;
  /** The feed list file, as written in the config (relative to the project root). */
  readonly feedListPath: string;
  /** The feeds that file lists, validated by the functions' own `parseFeedList`. */
  readonly feeds: readonly FeedConfig[];
  /** Subscribed (by email) to the operator topic the alarms notify, when set. */
  readonly operatorEmail?: string;
  readonly defaultSubscriptions: readonly DefaultSubscription[];
  /** How long articles, stories and deliveries are kept (DynamoDB TTL), in days. */
  readonly retentionDays: number;
  /** The SNS SMS `MonthlySpendLimit` of the account, in USD (set outside CloudFormation). */
  readonly smsMonthlySpendLimitUsd: number;
}

/** One bad setting: the message is one line naming the field, its source and the problem. */
export class InvalidDeploymentConfigError extends Error {
  override readonly name = 'InvalidDeploymentConfigError';
  constructor(
    readonly field: string,
    readonly source: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid deployment config: ${field} (from ${source}): ${problem}`, options);
  }
}

/** Adds the message of what `parse` throws as an issue of `context`; returns its result or NEVER. */
function check<T>(
  context: z.RefinementCtx,
  parse: () => T,
  describe = (message: string) => message,
) {
  try {
    return parse();
  } catch (error) {
    context.addIssue({ code: 'custom', message: describe((error as Error).message) });
    return z.NEVER;
  }
}

/**
 * The feeds a deployment may poll: what the poller would refuse at every poll (an internal
 * address written as a literal, `localhost`, credentials in the URL) is refused at synth instead,
 * naming the entry. Names are not resolved here: the poller checks what they resolve to.
 */
function fetchableFeeds(feeds: FeedConfig[]): FeedConfig[] {
  for (const [index, feed] of feeds.entries()) {
    try {
      checkFetchUrl(feed.url, { allowLoopback: false });
    } catch (error) {
      throw new Error(`feed list entry ${index}.url: ${(error as Error).message}`);
    }
  }
  return feeds;
}

const defaultSubscriptionSchema = z
  .strictObject({
    endpoint: z.string({ error: 'must be a string: an email address or an E.164 number' }),
    topics: z.array(z.string({ error: 'must be a topic id' }), {
      error: 'must be a list of topic ids',
    }),
    mode: z.string({ error: 'must be a string' }),
  })
  .transform((entry, context): DefaultSubscription => {
    // The functions' own checks, so a default subscription is one the subscribe command accepts;
    // their messages start with the field ("mode: must be one of …").
    const endpoint = check(context, () => parseEndpoint(entry.endpoint));
    const mode = check(context, () => parseMode(entry.mode));
    // Against the shipped topic pack: a default subscription can only follow a default topic.
    const known = new Set(loadDefaultTopicPack().topics.map((topic) => topic.id));
    const topicIds = check(context, () => parseTopicIds(entry.topics, known));
    return { ...endpoint, topicIds, mode };
  });

const configSchema = z.strictObject({
  pollSchedule: PollScheduleSchema,
  feedListPath: z
    .string({ error: 'must be a path to a JSON feed list, e.g. "data/feeds.json"' })
    .trim()
    .min(1, 'must be a path to a JSON feed list, e.g. "data/feeds.json"')
    .transform((feedListPath, context) => ({
      path: feedListPath,
      feeds: check(
        context,
        () => fetchableFeeds(parseFeedList(readJson(path.resolve(PROJECT_ROOT, feedListPath)))),
        // readJson's messages name the file already; parseFeedList's do not.
        (message) => (message.includes(feedListPath) ? message : `${feedListPath}: ${message}`),
      ),
    })),
  operatorEmail: z
    .string({ error: 'must be an email address' })
    .optional()
    .transform((value, context) => {
      if (value === undefined) return undefined;
      const endpoint = check(
        context,
        () => parseEndpoint(value),
        () => 'not an email address',
      );
      if (endpoint.channel !== 'email') {
        context.addIssue({ code: 'custom', message: 'must be an email address, not a number' });
        return z.NEVER;
      }
      return endpoint.address;
    }),
  defaultSubscriptions: z.array(defaultSubscriptionSchema, {
    error: 'must be a list of { endpoint, topics, mode }',
  }),
  retentionDays: z
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day'),
  smsMonthlySpendLimitUsd: z
    .number({ error: 'must be a number of US dollars' })
    .positive('must be more than 0 USD')
    .finite('must be a finite number of US dollars'),
});

type ConfigKey = keyof z.input<typeof configSchema>;
const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];
const NUMBER_KEYS: readonly ConfigKey[] = ['retentionDays', 'smsMonthlySpendLimitUsd'];

/** Reads a JSON file; the message says which file and what went wrong. */
function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * A context value as the config file would hold it: `-c key=value` always gives a string, so
 * numbers and the subscription list (as JSON) are read back from one.
 */
function fromContext(key: ConfigKey, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (NUMBER_KEYS.includes(key) && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  if (key === 'defaultSubscriptions') {
    try {
      return JSON.parse(value);
    } catch (error) {
      throw new InvalidDeploymentConfigError(
        key,
        `context -c ${key}`,
        `must be a JSON list of { endpoint, topics, mode }: ${(error as Error).message}`,
      );
    }
  }
  return value;
}

const describeValue = (value: unknown): string =>
  value === undefined ? 'it is missing' : `got ${JSON.stringify(value)}`;

/**
 * The deployment config of the app whose root node is `node`: the config file, overridden key by
 * key by context. Throws InvalidDeploymentConfigError on the first bad value.
 */
export function loadDeploymentConfig(node: Node): DeploymentConfig {
  const chosenFile: unknown = node.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  const configFile = chosenFile === undefined ? DEFAULT_CONFIG_FILE : String(chosenFile);
  let fileValues: unknown;
  try {
    fileValues = readJson(path.resolve(PROJECT_ROOT, configFile));
  } catch (error) {
    throw new InvalidDeploymentConfigError(
      CONFIG_FILE_CONTEXT_KEY,
      chosenFile === undefined ? 'the default' : `context -c ${CONFIG_FILE_CONTEXT_KEY}`,
      (error as Error).message,
      { cause: error },
    );
  }
  if (!fileValues || typeof fileValues !== 'object' || Array.isArray(fileValues)) {
    throw new InvalidDeploymentConfigError(
      CONFIG_FILE_CONTEXT_KEY,
      configFile,
      'the config file must hold a JSON object',
    );
  }

  const raw: Record<string, unknown> = { ...fileValues };
  const sources = new Map<string, string>();
  for (const key of CONFIG_KEYS) {
    const override = node.tryGetContext(key);
    if (override === undefined) continue;
    raw[key] = fromContext(key, override);
    sources.set(key, `context -c ${key}`);
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    // One line: the first problem is enough to fix, and the next synth shows the next one.
    const issue = result.error.issues[0];
    if (!issue) throw new InvalidDeploymentConfigError('config', configFile, 'invalid');
    const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const fieldPath = [...issue.path, ...(unknownKey === undefined ? [] : [unknownKey])];
    const field = fieldPath.map(String).join('.');
    const source = sources.get(String(fieldPath[0])) ?? configFile;
    if (unknownKey !== undefined) {
      const expected = issue.path.length === 0 ? CONFIG_KEYS : ['endpoint', 'topics', 'mode'];
      throw new InvalidDeploymentConfigError(
        field,
        source,
        `unknown key; expected one of ${expected.join(', ')}`,
      );
    }
    const value = issue.path.reduce<unknown>(
      (inner, key) => (inner as Record<PropertyKey, unknown> | undefined)?.[key],
      raw,
    );
    // The feed list's problems already name the file; every other problem gets the bad value.
    const problem =
      fieldPath[0] === 'feedListPath' && issue.code === 'custom'
        ? issue.message
        : `${issue.message}, ${describeValue(value)}`;
    throw new InvalidDeploymentConfigError(field, source, problem);
  }

  const { feedListPath, operatorEmail, ...rest } = result.data;
  return {
    ...rest,
    feedListPath: feedListPath.path,
    feeds: feedListPath.feeds,
    ...(operatorEmail === undefined ? {} : { operatorEmail }),
  };
}
