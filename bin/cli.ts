/**
 * The `news-alerts` command line: `run` (the local runner behind `npm start`), `match`, `eval`
 * and `poll`. Parses arguments, calls one command, and turns errors into one line on stderr and a
 * non-zero exit code: no stack traces for expected failures.
 */

import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeFeedError, FeedFetchError, FeedParseError } from '../functions/core/feeds/errors';
import { evalCommand } from '../functions/local/commands/eval-command';
import { matchCommand } from '../functions/local/commands/match-command';
import { pollCommand } from '../functions/local/commands/poll-command';
import {
  deadLettersCommand,
  listSubscriptionsCommand,
  subscribeCommand,
  unsubscribeCommand,
} from '../functions/local/commands/subscription-commands';
import { DEFAULT_FEEDS_FILE, runLocal } from '../functions/local/local-runner';

const USAGE = `usage: news-alerts <command> [options]

commands:
  run      run the pipeline locally (npm start)
             --demo             serve the bundled sample feeds offline
             --once             run one cycle and exit
             --data-dir DIR     database and outbox folder (default .news-alerts)
             --interval SEC     seconds between cycles (default 900)
             --feeds FILE       feed list (default data/feeds.json)
             --concurrency N    feeds fetched at once (default 8)
             --demo-port N      port of the demo feed server (default 47811)
             --demo-dir DIR     serve the feeds of DIR (feeds.json, feeds/*.xml) in the demo
             --sms-per-hour N   SMS per subscriber per hour before the rest go to a digest (5)
             --port N           also serve the dashboard at http://127.0.0.1:N/ and its API
                                under /api (not with --once)
             --token T          the API token writes need (default: a random one, printed;
                                or NEWS_ALERTS_API_TOKEN)
  match    --input FILE.jsonl   print {"id","topics"} per item with the default topic pack
  eval     --input FILE.jsonl [--json]   score the default pack against labelled items
  poll     --url URL | --file PATH [--lang en|ru|fa]   fetch and parse one feed, print its items
             --allow-loopback   let --url reach 127.0.0.0/8, ::1 and localhost (a local feed
                                server); private, link-local and metadata addresses stay refused
  subscribe ENDPOINT --topics ID[,ID…] [--mode instant|hourly|daily]
           subscribe an email address or an E.164 phone number (+4915112345678); again to change
  unsubscribe ENDPOINT
  subscriptions [--json]
  dead-letters   deliveries parked after repeated failures, with their reasons
           (these four use the local database: --data-dir DIR, --demo; stop the runner first)`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const write = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return run(rest);
    case 'match': {
      const { values } = parse(rest, { input: { type: 'string' } });
      await matchCommand(required(values.input, '--input'), write);
      return 0;
    }
    case 'eval': {
      const { values } = parse(rest, { input: { type: 'string' }, json: { type: 'boolean' } });
      await evalCommand(required(values.input, '--input'), values.json === true, write);
      return 0;
    }
    case 'poll': {
      const { values } = parse(rest, {
        url: { type: 'string' },
        file: { type: 'string' },
        lang: { type: 'string', default: 'en' },
        'allow-loopback': { type: 'boolean' },
      });
      if (!values.url === !values.file)
        throw new UsageError('poll needs exactly one of --url or --file');
      const language = values.lang;
      if (language !== 'en' && language !== 'ru' && language !== 'fa') {
        throw new UsageError('--lang must be one of en, ru, fa');
      }
      await pollCommand(
        {
          url: values.url,
          file: values.file,
          language,
          allowLoopback: values['allow-loopback'] === true,
        },
        write,
      );
      return 0;
    }
    case 'subscribe': {
      const { values, positionals } = parse(
        rest,
        { topics: { type: 'string' }, mode: { type: 'string' }, ...DATABASE_OPTIONS },
        1,
      );
      await subscribeCommand(
        {
          endpoint: positionals[0] ?? '',
          topics: required(values.topics, '--topics').split(','),
          mode: values.mode,
        },
        databaseOf(values),
        write,
      );
      return 0;
    }
    case 'unsubscribe': {
      const { values, positionals } = parse(rest, DATABASE_OPTIONS, 1);
      await unsubscribeCommand(positionals[0] ?? '', databaseOf(values), write);
      return 0;
    }
    case 'dead-letters': {
      const { values } = parse(rest, DATABASE_OPTIONS);
      await deadLettersCommand(databaseOf(values), write);
      return 0;
    }
    case 'subscriptions': {
      const { values } = parse(rest, { json: { type: 'boolean' }, ...DATABASE_OPTIONS });
      await listSubscriptionsCommand({ ...databaseOf(values), json: values.json === true }, write);
      return 0;
    }
    case undefined:
    case '--help':
    case 'help':
      write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function run(args: string[]): Promise<number> {
  const { values } = parse(args, {
    demo: { type: 'boolean' },
    once: { type: 'boolean' },
    'data-dir': { type: 'string', default: '.news-alerts' },
    interval: { type: 'string', default: '900' },
    feeds: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'demo-port': { type: 'string', default: '47811' },
    'demo-dir': { type: 'string' },
    'sms-per-hour': { type: 'string', default: '5' },
    port: { type: 'string' },
    token: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    write(USAGE);
    return 0;
  }
  if (values.port !== undefined && values.once) {
    throw new UsageError('--port serves the dashboard until stopped; it does not go with --once');
  }
  const token =
    values.token ?? process.env.NEWS_ALERTS_API_TOKEN ?? randomBytes(18).toString('base64url');
  if (!/^[\x21-\x7e]{16,200}$/.test(token)) {
    throw new UsageError('--token must be 16 to 200 printable characters without spaces');
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const summaries = await runLocal({
    dataDir: resolve(values['data-dir']),
    demo: values.demo === true,
    once: values.once === true,
    intervalSeconds: positiveInteger(values.interval, '--interval'),
    concurrency: positiveInteger(values.concurrency, '--concurrency'),
    feedsFile: values.feeds ? resolve(values.feeds) : DEFAULT_FEEDS_FILE,
    demoPort: port(values['demo-port'], '--demo-port'),
    ...(values['demo-dir'] !== undefined && { demoDataDir: resolve(values['demo-dir']) }),
    retentionDays: 30,
    smsPerHour: positiveInteger(values['sms-per-hour'], '--sms-per-hour'),
    print: write,
    signal: controller.signal,
    ...(values.port !== undefined && {
      dashboard: { port: port(values.port, '--port'), token },
    }),
  });
  const last = summaries.at(-1);
  return last && last.alertFailures > 0 ? 1 : 0;
}

type Options = Parameters<typeof parseArgs>[0] extends infer T
  ? T extends { options?: infer O }
    ? O
    : never
  : never;

function parse<O extends NonNullable<Options>>(args: string[], options: O, positionals = 0) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(
      positionals === 0
        ? `unexpected argument "${parsed.positionals[0]}"`
        : `expected ${positionals} argument${positionals > 1 ? 's' : ''} before the options`,
    );
  }
  return parsed;
}

const DATABASE_OPTIONS = {
  'data-dir': { type: 'string', default: '.news-alerts' },
  demo: { type: 'boolean' },
} as const;

function databaseOf(values: { 'data-dir'?: string | boolean; demo?: string | boolean }) {
  return {
    dataDir: resolve(String(values['data-dir'] ?? '.news-alerts')),
    demo: values.demo === true,
  };
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

function positiveInteger(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  }
  return number;
}

/** A TCP port; 0 lets the system pick a free one (tests). */
function port(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) {
    throw new UsageError(`${flag} must be a port from 0 to 65535, got "${value}"`);
  }
  return number;
}

function describeError(error: unknown): string {
  if (error instanceof FeedFetchError || error instanceof FeedParseError) {
    return describeFeedError(error);
  }
  if (!(error instanceof Error)) return String(error);
  return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`news-alerts: ${describeError(error).split('\n')[0]}\n`);
    if (error instanceof UsageError) process.stderr.write('run "news-alerts help" for usage\n');
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
