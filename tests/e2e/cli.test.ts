/** The `news-alerts` command as users and tooling run it: a child process, stdout, stderr, exit code. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bin/news-alerts.js');
const FIXTURES = join(ROOT, 'tests/fixtures');

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      cwd: ROOT,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const ownLines = (stderr: string) =>
  stderr.split('\n').filter((line) => line.startsWith('news-alerts:') || line.startsWith('run '));

describe('news-alerts CLI', () => {
  it('prints the normalised items of a feed file as JSON lines', async () => {
    const { code, stdout } = await cli('poll', '--file', join(FIXTURES, 'cycle/feeds/daily.xml'));

    expect(code).toBe(0);
    const items = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(items).toEqual([
      {
        id: 'urn:daily:1',
        title: 'Rasht–Astara railway: land handed over',
        summary: 'Iran handed land to the Russian contractor for the railway.',
        link: 'https://daily.example.org/rail?utm_source=rss',
        published: '2025-04-09T00:00:00.000Z',
        lang: 'en',
      },
    ]);
  });

  it('exits non-zero with one line naming the reason for a page that is not a feed', async () => {
    const { code, stdout, stderr } = await cli('poll', '--file', join(FIXTURES, 'cli/login.html'));

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(ownLines(stderr)).toEqual([expect.stringMatching(/^news-alerts: .*NOT_A_FEED/)]);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits non-zero naming a missing file', async () => {
    const { code, stderr } = await cli('poll', '--file', join(FIXTURES, 'missing.xml'));

    expect(code).toBe(1);
    expect(ownLines(stderr)).toEqual([expect.stringContaining('cannot read')]);
  });

  it('matches items against the default topic pack', async () => {
    const { code, stdout } = await cli('match', '--input', join(FIXTURES, 'cli/items.jsonl'));

    expect(code).toBe(0);
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { id: 'a', topics: ['energy'] },
      { id: 'b', topics: [] },
    ]);
  });

  it('prints the evaluation as one JSON object', async () => {
    const { code, stdout } = await cli(
      'eval',
      '--input',
      join(FIXTURES, 'cli/items.jsonl'),
      '--json',
    );

    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      items: 2,
      micro: { precision: 1, recall: 1, f1: 1 },
      falsePositivesOnNegatives: 0,
    });
    expect(report.topics.energy).toMatchObject({ precision: 1, recall: 1, support: 1 });
  });

  it('rejects an unknown command with usage help and exit code 2', async () => {
    const { code, stderr } = await cli('frobnicate');

    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "frobnicate"');
  });

  it('prints the options of run on --help and exits 0', async () => {
    const { code, stdout } = await cli('run', '--help');

    expect(code).toBe(0);
    expect(stdout).toContain('--data-dir DIR');
    expect(stdout).toContain('--once');
  });

  it('rejects a run option that is not a number', async () => {
    const { code, stderr } = await cli('run', '--demo', '--once', '--interval', 'soon');

    expect(code).toBe(2);
    expect(stderr).toContain('--interval must be a positive whole number');
  });

  it.each([
    [['--port', '8080', '--once'], '--port serves the dashboard until stopped'],
    [['--port', '80000'], '--port must be a port from 0 to 65535'],
    [['--port', '0', '--token', 'short'], '--token must be 16 to 200 printable characters'],
  ])('rejects run %j with exit code 2 and the reason', async (args, reason) => {
    const { code, stderr } = await cli('run', '--demo', ...args);

    expect(code).toBe(2);
    expect(stderr).toContain(reason);
  });
});
