/**
 * `npm start -- --demo --once` twice, in-process: the bundled demo feeds from the loopback server,
 * a persistent dynalite under a temp data folder, the outbox. The second run must alert nothing,
 * get a 304 from every feed and write nothing to DynamoDB.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FEEDS_FILE,
  type LocalRunOptions,
  runLocal,
} from '../../functions/local/local-runner';
import { freePort } from '../support/free-port';

describe('local runner in demo mode', () => {
  it('alerts on the first run and adds nothing on the second', async () => {
    // Prepare
    const dataDir = await mkdtemp(join(tmpdir(), 'news-alerts-e2e-'));
    const lines: string[] = [];
    const options: LocalRunOptions = {
      dataDir,
      demo: true,
      once: true,
      intervalSeconds: 900,
      concurrency: 4,
      feedsFile: DEFAULT_FEEDS_FILE,
      demoPort: await freePort(),
      retentionDays: 30,
      smsPerHour: 5,
      print: (line) => lines.push(line),
    };
    const outbox = async () =>
      (await readFile(join(dataDir, 'outbox.jsonl'), 'utf8')).split('\n').filter(Boolean);

    // Act
    const [first] = await runLocal(options);
    const alertsAfterFirst = await outbox();
    const [second] = await runLocal(options);

    // Assess
    expect(first?.feedsPolled).toBeGreaterThanOrEqual(8);
    expect(first?.feedsFailed).toBe(0);
    expect(first?.alerts).toBeGreaterThan(10);
    // The demo feeds carry syndicated and translated copies: they join their story silently.
    expect(first?.copies).toBeGreaterThan(5);
    const records = alertsAfterFirst.map((line) => JSON.parse(line));
    // The three demo subscribers joined, then each alert reached the subscribers of its topics:
    // the analyst's email and the phone at once, the policy desk's daily digest later.
    expect(records.filter((record) => record.kind === 'subscription')).toHaveLength(3);
    const delivered = records.filter((record) => record.kind === 'instant');
    expect(delivered).toHaveLength(first?.deliveries ?? -1);
    expect(new Set(delivered.map((record) => record.channel))).toEqual(new Set(['email', 'sms']));
    expect(first?.queued).toBeGreaterThan(0);
    expect(second).toMatchObject({ feedsUnchanged: first?.feedsPolled, alerts: 0, newArticles: 0 });
    expect(second?.dynamoWrites).toBe(0);
    expect(await outbox()).toEqual(alertsAfterFirst);
    // The windows-1251, KOI8-R and windows-1256 feeds arrive as readable Cyrillic and Persian text.
    const text = alertsAfterFirst.join('\n');
    expect(text).toMatch(/[А-Яа-я]{4}/);
    expect(text).toMatch(/[\u0600-\u06FF]{4}/);
    expect(text).not.toContain('\uFFFD');
    expect(lines.some((line) => line.startsWith('cycle 1 done: feeds'))).toBe(true);
  });
});
