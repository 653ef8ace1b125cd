/**
 * The Lambda bundles as `cdk synth` builds them (this app bundles for real): each within the
 * 300 KB budget of issue 5, the Russian and Persian lexicons kept as UTF-8 rather than `\uXXXX`
 * escapes, and xml2js's unused XML writer replaced by the stub, with parsing still working
 * through the same esbuild settings.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUILD_OPTIONS } from '../../lib/bundling/esbuild-settings';
import { addNewsAlertsStacks } from '../../lib/news-alerts-stack';
import { cdkAppContext } from '../support/cdk';

const REPO_ROOT = path.join(import.meta.dirname, '..', '..');
const BUDGET_BYTES = 300 * 1024;
const FUNCTIONS = ['PollWorkerFunction', 'DispatchFunction', 'DigestFunction', 'SeedFunction'];

/** The bundle (index.mjs) of each function, by logical-id prefix. */
const bundles = new Map<string, string>();

beforeAll(() => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'news-alerts-bundles-'));
  const app = new App({ outdir, context: cdkAppContext() });
  const { stateless } = addNewsAlertsStacks(app);
  app.synth();
  const functions = Template.fromStack(stateless).findResources('AWS::Lambda::Function');
  for (const prefix of FUNCTIONS) {
    const entry = Object.entries(functions).find(([id]) => id.startsWith(prefix));
    const s3Key = String(entry?.[1].Properties.Code.S3Key);
    bundles.set(prefix, path.join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs'));
  }
});

describe('Lambda bundles', () => {
  it.each(FUNCTIONS)('%s stays within 300 KB, source map excluded', (prefix) => {
    const bundle = bundles.get(prefix) ?? '';

    expect(statSync(bundle).size).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(readdirSync(path.dirname(bundle)).sort()).toContain('index.mjs.map');
  });

  it('keeps non-ASCII text as UTF-8 instead of escapes three times its size', () => {
    const poll = readFileSync(bundles.get('PollWorkerFunction') ?? '', 'utf8');

    // From the story-concept lexicon (data/story-concepts.json): "росси*", "ایران*".
    expect(poll).toContain('"росси*"');
    expect(poll).toContain('"ایران*"');
    expect(poll).not.toMatch(/\\u04[0-4][0-9A-F]/i);
  });

  it('bundles the xmlbuilder stub, not xmlbuilder, into the poll worker', () => {
    const poll = readFileSync(bundles.get('PollWorkerFunction') ?? '', 'utf8');

    expect(poll).toContain('xmlbuilder is not bundled');
    expect(poll).not.toContain('XMLStringWriter');
  });

  it('seeds from seed.json next to the seed bundle, not from a bundled feed list', () => {
    const seedDir = path.dirname(bundles.get('SeedFunction') ?? '');
    const seed = JSON.parse(readFileSync(path.join(seedDir, 'seed.json'), 'utf8')) as {
      feeds: unknown[];
    };

    expect(seed.feeds.length).toBeGreaterThan(0);
    expect(readFileSync(bundles.get('DispatchFunction') ?? '', 'utf8')).not.toContain(
      seed.feeds.map((feed) => (feed as { url: string }).url)[0],
    );
  });
});

describe('parsing with the bundle settings', () => {
  it('parses an RSS feed through rss-parser with xmlbuilder stubbed out', async () => {
    // Prepare: parse-feed alone, bundled exactly as the functions are.
    // Inside the repository, so the bundle resolves its packages; the folder may not exist yet.
    const cache = path.join(REPO_ROOT, 'node_modules/.cache');
    mkdirSync(cache, { recursive: true });
    const outdir = mkdtempSync(path.join(cache, 'news-alerts-parse-'));
    const outfile = path.join(outdir, 'parse.mjs');
    await build({
      ...LAMBDA_BUILD_OPTIONS,
      entryPoints: [path.join(REPO_ROOT, 'functions/core/feeds/parse-feed.ts')],
      outfile,
    });
    const { parseFeed } = (await import(
      outfile
    )) as typeof import('../../functions/core/feeds/parse-feed');

    // Act
    const parsed = await parseFeed(
      readFileSync(path.join(REPO_ROOT, 'tests/fixtures/cycle/feeds/wire.xml'), 'utf8'),
    );

    // Assess
    expect(parsed.items.length).toBeGreaterThan(0);
    expect(parsed.items[0]?.title).toEqual(expect.any(String));
  });
});
