/**
 * The deployment config (lib/deployment-config.ts): read from config/default.json or the file
 * `configFile` names, overridden by context, applied to the stacks, and refused at synth with one
 * line naming the field when a value is bad. Apps are built as bin/app.ts builds them, from
 * context; the stacks that synthesize skip bundling (`aws:cdk:bundling-stacks`), which they do not
 * assert on.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseFeedList } from '../../functions/core/feeds/feed-list';
import {
  addNewsAlertsStacks,
  complianceChecks,
  DEFAULT_CONFIG_FILE,
  InvalidDeploymentConfigError,
  type NewsAlertsStacks,
  PROJECT_ROOT,
} from '../../lib/news-alerts-stack';
import { cdkAppContext } from '../support/cdk';

const cdkContext = cdkAppContext();
const defaultConfig = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, DEFAULT_CONFIG_FILE), 'utf8'),
) as Record<string, unknown>;

const scratch = mkdtempSync(path.join(tmpdir(), 'news-alerts-config-'));
/** Writes `content` as JSON to a scratch file and returns its absolute path. */
function jsonFile(name: string, content: unknown): string {
  const file = path.join(scratch, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** Builds the app as bin/app.ts does, from cdk.json's context plus `context`. */
function synthesize(context: Record<string, unknown> = {}): NewsAlertsStacks {
  const app = new App({
    context: { ...cdkContext, 'aws:cdk:bundling-stacks': [], ...context },
  });
  return addNewsAlertsStacks(app);
}

/** The function resource whose logical id starts with `prefix`. */
function functionEnvironment(template: Template, prefix: string): Record<string, unknown> {
  const entry = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith(prefix),
  );
  if (!entry) throw new Error(`no function ${prefix}`);
  return entry[1].Properties.Environment.Variables;
}

describe('deployment config', () => {
  describe('the default config file', () => {
    let stacks: NewsAlertsStacks;

    beforeAll(() => {
      stacks = synthesize();
    });

    it('names data/feeds.json as the feed list, as parseFeedList reads it', () => {
      // Prepare
      const bundled = parseFeedList(
        JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'data', 'feeds.json'), 'utf8')),
      );

      // Assess
      expect(stacks.config.feedListPath).toBe('data/feeds.json');
      expect(stacks.config.feeds).toEqual(bundled);
    });

    it('subscribes no one to the operator topic', () => {
      Template.fromStack(stacks.stateful).resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('gives the poll worker and the digest a retention of 30 days', () => {
      const template = Template.fromStack(stacks.stateless);

      expect(functionEnvironment(template, 'PollWorkerFunction')).toMatchObject({
        RETENTION_DAYS: '30',
      });
      expect(functionEnvironment(template, 'DigestFunction')).toMatchObject({
        RETENTION_DAYS: '30',
      });
    });

    it('reports the SMS spend limit to set outside CloudFormation, and no default subscriptions', () => {
      const outputs = Template.fromStack(stacks.stateless).toJSON().Outputs;

      expect(outputs.SmsMonthlySpendLimitUsd.Value).toBe(
        String(defaultConfig.smsMonthlySpendLimitUsd),
      );
      expect(outputs.DefaultSubscriptions).toBeUndefined();
    });
  });

  describe('context overrides', () => {
    let stacks: NewsAlertsStacks;

    beforeAll(() => {
      // As `-c key=value` passes them: strings, the subscription list as JSON.
      stacks = synthesize({
        pollSchedule: 'cron(0/30 * * * ? *)',
        operatorEmail: 'OnCall@Example.org',
        retentionDays: '45',
        smsMonthlySpendLimitUsd: '20',
        defaultSubscriptions: JSON.stringify([
          { endpoint: '+4915112345678', topics: ['energy', 'agreement-status'], mode: 'daily' },
        ]),
      });
    });

    it('polls on the schedule given in context', () => {
      Template.fromStack(stacks.stateless).hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0/30 * * * ? *)',
      });
    });

    it('subscribes the operator email to the operator topic', () => {
      Template.fromStack(stacks.stateful).hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.org',
        TopicArn: stacks.stateful.resolve(stacks.stateful.operatorTopic.topicArn),
      });
    });

    it('has no unacknowledged cdk-nag finding on the operator subscription', () => {
      const app = stacks.stateful.node.root as App;

      const findings = complianceChecks(app).flatMap((pack) =>
        pack.validateScope(app).violations.map((violation) => violation.ruleName),
      );

      expect(findings).toEqual([]);
    });

    it('passes the retention to the poll worker and the digest as RETENTION_DAYS', () => {
      const template = Template.fromStack(stacks.stateless);

      for (const prefix of ['PollWorkerFunction', 'DigestFunction']) {
        expect(functionEnvironment(template, prefix)).toMatchObject({ RETENTION_DAYS: '45' });
      }
    });

    it('reports the validated default subscriptions, without addresses, and the SMS spend limit', () => {
      const template = Template.fromStack(stacks.stateless);

      template.hasOutput('SmsMonthlySpendLimitUsd', { Value: '20' });
      template.hasOutput('DefaultSubscriptions', {
        Value: JSON.stringify([
          { channel: 'sms', topicIds: ['agreement-status', 'energy'], mode: 'daily' },
        ]),
      });
    });

    it('creates no SNS topic for the default subscriptions', () => {
      Template.fromStack(stacks.stateless).resourceCountIs('AWS::SNS::Topic', 0);
    });
  });

  it('bundles the configured feed list and default subscriptions as seed.json of the seed function', () => {
    // Prepare: this one app bundles for real, so the copy into the asset is exercised.
    const feedListPath = jsonFile('other-feeds.json', [
      { url: 'https://example.org/rss', name: 'Example', language: 'en' },
    ]);
    const outdir = mkdtempSync(path.join(tmpdir(), 'news-alerts-seed-asset-'));
    const app = new App({
      outdir,
      context: {
        ...cdkContext,
        feedListPath,
        defaultSubscriptions: JSON.stringify([
          { endpoint: 'desk@example.org', topics: ['energy'], mode: 'instant' },
        ]),
      },
    });
    const { stateless } = addNewsAlertsStacks(app);

    // Act
    app.synth();

    // Assess
    const seedFunction = Object.entries(
      Template.fromStack(stateless).findResources('AWS::Lambda::Function'),
    ).find(([id]) => id.startsWith('SeedFunction'));
    const s3Key = String(seedFunction?.[1].Properties.Code.S3Key);
    const assetDir = path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    expect(JSON.parse(readFileSync(path.join(assetDir, 'seed.json'), 'utf8'))).toEqual({
      feeds: [{ url: 'https://example.org/rss', name: 'Example', language: 'en' }],
      subscriptions: [{ endpoint: 'desk@example.org', topics: ['energy'], mode: 'instant' }],
    });
    expect(readdirSync(assetDir)).toContain('index.mjs');
  });

  describe('refuses at synth, in one line naming the field,', () => {
    it.each([
      [
        'a bad poll schedule',
        { pollSchedule: 'rate(15 minute)' },
        'Invalid deployment config: pollSchedule (from context -c pollSchedule): EventBridge wants ' +
          'the plural: rate(15 minutes), got "rate(15 minute)"',
      ],
      [
        'an operator email that is not an address',
        { operatorEmail: 'oncall-at-example.org' },
        'Invalid deployment config: operatorEmail (from context -c operatorEmail): not an email ' +
          'address, got "oncall-at-example.org"',
      ],
      [
        'a phone number as the operator email',
        { operatorEmail: '+4915112345678' },
        'Invalid deployment config: operatorEmail (from context -c operatorEmail): must be an ' +
          'email address, not a number, got "+4915112345678"',
      ],
      [
        'a retention of 0 days',
        { retentionDays: '0' },
        'Invalid deployment config: retentionDays (from context -c retentionDays): must be at ' +
          'least 1 day, got 0',
      ],
      [
        'a retention that is not a number',
        { retentionDays: 'a month' },
        'Invalid deployment config: retentionDays (from context -c retentionDays): must be a ' +
          'number of days, got "a month"',
      ],
      [
        'an SMS spend limit of 0',
        { smsMonthlySpendLimitUsd: 0 },
        'Invalid deployment config: smsMonthlySpendLimitUsd (from context -c ' +
          'smsMonthlySpendLimitUsd): must be more than 0 USD, got 0',
      ],
      [
        'a default subscription in an unknown mode',
        {
          defaultSubscriptions: [{ endpoint: 'a@example.org', topics: ['energy'], mode: 'weekly' }],
        },
        'Invalid deployment config: defaultSubscriptions.0 (from context -c defaultSubscriptions): ' +
          'mode: must be one of instant, hourly, daily',
      ],
      [
        'a default subscription to an unknown topic',
        { defaultSubscriptions: [{ endpoint: 'a@example.org', topics: ['sport'], mode: 'daily' }] },
        'topics: unknown topic sport',
      ],
      [
        'a default subscription list that is not JSON',
        { defaultSubscriptions: '[{endpoint' },
        'Invalid deployment config: defaultSubscriptions (from context -c defaultSubscriptions): ' +
          'must be a JSON list of { endpoint, topics, mode }',
      ],
    ])('%s', (_case, context, message) => {
      expect(() => synthesize(context)).toThrow(InvalidDeploymentConfigError);
      expect(() => synthesize(context)).toThrow(message);
    });

    it('a feed list with a bad feed URL, with the entry at fault', () => {
      // Prepare
      const feedListPath = jsonFile('bad-url-feeds.json', [
        { url: 'https://example.org/rss', name: 'Example', language: 'en' },
        { url: 'ftp://example.org/rss', name: 'Not HTTP', language: 'en' },
      ]);

      // Act
      const act = () => synthesize({ feedListPath });

      // Assess
      expect(act).toThrow(
        `Invalid deployment config: feedListPath (from context -c feedListPath): ${feedListPath}: ` +
          'feed list entry 1.url: must be an http(s) URL',
      );
    });

    it.each([
      [
        'the metadata service',
        'http://169.254.169.254/latest/meta-data/',
        '169.254.169.254 is link-local',
      ],
      ['loopback in another notation', 'http://0x7f.1/rss', '127.0.0.1 is loopback'],
      ['localhost', 'http://localhost:8080/rss', 'localhost is loopback'],
      [
        'credentials in the URL',
        'https://editor:secret@example.org/rss',
        'carries a user name or password',
      ],
    ])('a feed list entry the poller would refuse: %s', (_, url, reason) => {
      // Prepare
      const feedListPath = jsonFile('internal-feeds.json', [
        { url: 'https://example.org/rss', name: 'Example', language: 'en' },
        { url, name: 'Internal', language: 'en' },
      ]);

      // Act
      const act = () => synthesize({ feedListPath });

      // Assess
      expect(act).toThrow(`${feedListPath}: feed list entry 1.url: `);
      expect(act).toThrow(reason);
      expect(act).not.toThrow('secret');
    });

    it('a feed list file that does not exist', () => {
      expect(() => synthesize({ feedListPath: 'data/no-such-feeds.json' })).toThrow(
        /^Invalid deployment config: feedListPath \(from context -c feedListPath\): cannot read .*no-such-feeds\.json \(ENOENT\)$/,
      );
    });

    it('an unknown key in the config file, with the keys it knows', () => {
      // Prepare
      const configFile = jsonFile('typo-config.json', { ...defaultConfig, retentionDay: 45 });

      // Act
      const act = () => synthesize({ configFile });

      // Assess
      expect(act).toThrow(
        `Invalid deployment config: retentionDay (from ${configFile}): unknown key; expected one ` +
          'of pollSchedule, feedListPath, operatorEmail, defaultSubscriptions, retentionDays, ' +
          'smsMonthlySpendLimitUsd',
      );
    });

    it('a value missing from the config file', () => {
      // Prepare
      const { retentionDays: _left, ...withoutRetention } = defaultConfig;
      const configFile = jsonFile('short-config.json', withoutRetention);

      // Act
      const act = () => synthesize({ configFile });

      // Assess
      expect(act).toThrow(
        `Invalid deployment config: retentionDays (from ${configFile}): must be a number of ` +
          'days, it is missing',
      );
    });

    it('a config file that does not exist', () => {
      expect(() => synthesize({ configFile: 'config/no-such-stage.json' })).toThrow(
        /^Invalid deployment config: configFile \(from context -c configFile\): cannot read .*no-such-stage\.json \(ENOENT\)$/,
      );
    });
  });

  it('takes the file value where context does not override it', () => {
    // Prepare
    const configFile = jsonFile('stage-config.json', { ...defaultConfig, retentionDays: 7 });

    // Act
    const { config } = synthesize({ configFile, smsMonthlySpendLimitUsd: '5' });

    // Assess
    expect(config).toMatchObject({ retentionDays: 7, smsMonthlySpendLimitUsd: 5 });
  });
});
