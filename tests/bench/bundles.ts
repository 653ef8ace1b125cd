/**
 * `npm run bench:bundles`: bundles each Lambda handler the way the stack does (esbuild, minified
 * ESM for Node.js 24, the AWS SDK left to the runtime, lib/bundling/esbuild-settings.ts), then measures the bundle's size (source map excluded) and
 * its module init time (a fresh `node` importing it, with the env vars the handler reads). Prints
 * one line per function, then one JSON line last: {"bundles":{"<function>":{"bytes","initMs"}}}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUILD_OPTIONS } from '../../lib/bundling/esbuild-settings';

const ROOT = join(import.meta.dirname, '../..');
const HANDLERS = join(ROOT, 'functions/handlers');
const ENV = {
  FEEDS_TABLE: 'feeds',
  ARTICLES_TABLE: 'articles',
  TOPICS_TABLE: 'topics',
  MATCHES_TABLE: 'matches',
  SUBSCRIPTIONS_TABLE: 'subscriptions',
  DELIVERIES_TABLE: 'deliveries',
  STORIES_TABLE: 'stories',
  AUDIENCE_TOPIC_PREFIX: 'news-alerts',
  FEED_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/feeds',
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
};
const RUNS = 5;

// Inside the repository, so the bundles resolve the AWS SDK from node_modules as Lambda's runtime
// provides it (the stack does not bundle it).
mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
const out = mkdtempSync(join(ROOT, 'node_modules/.cache/news-alerts-bundles-'));
const bundles: Record<string, { bytes: number; initMs: number }> = {};
for (const file of readdirSync(HANDLERS).filter((name) => name.endsWith('.ts'))) {
  const name = basename(file, '.ts');
  const outfile = join(out, name, 'index.mjs');
  await build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: [join(HANDLERS, file)],
    outfile,
    sourcemap: 'external',
  });
  const bytes = statSync(outfile).size;
  const probe = join(out, name, 'probe.mjs');
  writeFileSync(
    probe,
    `const started = performance.now(); await import(${JSON.stringify(outfile)}); process.stdout.write(String(performance.now() - started));`,
  );
  // The median of a few cold starts of a fresh process.
  const times = Array.from({ length: RUNS }, () =>
    Number(execFileSync(process.execPath, [probe], { env: { ...process.env, ...ENV } }).toString()),
  ).sort((a, b) => a - b);
  const initMs = Math.round((times[Math.floor(RUNS / 2)] ?? 0) * 10) / 10;
  bundles[name] = { bytes, initMs };
  process.stderr.write(`${name}: ${(bytes / 1024).toFixed(1)} KiB, init ${initMs} ms\n`);
}
console.log(JSON.stringify({ bundles }));
