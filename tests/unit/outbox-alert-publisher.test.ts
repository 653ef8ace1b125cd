import { appendFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  OutboxAlertPublisher,
  type OutboxRecord,
} from '../../functions/adapters/outbox-alert-publisher';
import { buildAlertMessage, formatAlertLine } from '../../functions/core/alerts/alert-message';
import type { Alert } from '../../functions/core/model';
import type { StoredArticle } from '../../functions/core/ports';

const topicNames = { energy: 'Energy cooperation' };
const clock = { now: () => new Date('2025-01-17T11:00:00.000Z') };

function alertFor(n: number): Alert {
  const article: StoredArticle = {
    key: `feed-irna:${n}`,
    id: `https://en.irna.ir/news/${n}`,
    feedId: 'feed-irna',
    source: 'IRNA',
    title: `Iran and Russia discuss the North–South corridor, part ${n}`,
    summary: 'Officials met in Moscow.',
    link: `https://en.irna.ir/news/${n}`,
    published: '2025-01-17T09:00:00.000Z',
    firstSeen: '2025-01-17T09:05:00.000Z',
    language: 'en',
  };
  return { id: `alert-${n}`, article, matches: [{ topicId: 'energy', terms: ['corridor'] }] };
}

async function readRecords(path: string): Promise<OutboxRecord[]> {
  const content = await readFile(path, 'utf8');
  return content
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OutboxRecord);
}

describe('OutboxAlertPublisher', () => {
  let folder: string;
  let path: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'news-alerts-outbox-'));
    path = join(folder, 'nested', 'outbox.jsonl');
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('appends one JSON line per alert and prints one line per alert', async () => {
    // Prepare
    const print = vi.fn();
    const publisher = new OutboxAlertPublisher({ path, topicNames, print, clock });
    const alerts = [alertFor(1), alertFor(2)];

    // Act
    const outcome = await publisher.publish(alerts);

    // Assess
    expect(outcome).toEqual({ published: ['alert-1', 'alert-2'], failed: [] });
    const records = await readRecords(path);
    const message = buildAlertMessage(alertFor(1), topicNames);
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({
      alertId: 'alert-1',
      publishedAt: '2025-01-17T11:00:00.000Z',
      subject: message.subject,
      text: message.text,
      attributes: { topics: ['energy'], language: 'en', kind: 'instant' },
      article: {
        key: 'feed-irna:1',
        id: 'https://en.irna.ir/news/1',
        title: 'Iran and Russia discuss the North–South corridor, part 1',
        link: 'https://en.irna.ir/news/1',
        source: 'IRNA',
        published: '2025-01-17T09:00:00.000Z',
        language: 'en',
      },
      matches: [{ topicId: 'energy', terms: ['corridor'] }],
    });
    expect(records[1]?.alertId).toBe('alert-2');
    expect(print.mock.calls).toEqual([
      [formatAlertLine(alertFor(1), topicNames)],
      [formatAlertLine(alertFor(2), topicNames)],
    ]);
  });

  it('does not append an alert id already in the outbox, from another instance', async () => {
    // Prepare
    await new OutboxAlertPublisher({ path, topicNames, print: () => {}, clock }).publish([
      alertFor(1),
    ]);
    const print = vi.fn();
    const rerun = new OutboxAlertPublisher({ path, topicNames, print, clock });

    // Act
    const outcome = await rerun.publish([alertFor(1), alertFor(2)]);

    // Assess
    expect(outcome).toEqual({ published: ['alert-1', 'alert-2'], failed: [] });
    const records = await readRecords(path);
    expect(records.map((record) => record.alertId)).toEqual(['alert-1', 'alert-2']);
    expect(print).toHaveBeenCalledTimes(1);
    expect(print).toHaveBeenCalledWith(formatAlertLine(alertFor(2), topicNames));
  });

  it('does not append an alert twice within one instance or one call', async () => {
    // Prepare
    const publisher = new OutboxAlertPublisher({ path, topicNames, print: () => {}, clock });

    // Act
    await publisher.publish([alertFor(1), alertFor(1)]);
    const outcome = await publisher.publish([alertFor(1)]);

    // Assess
    expect(outcome).toEqual({ published: ['alert-1'], failed: [] });
    expect((await readRecords(path)).map((record) => record.alertId)).toEqual(['alert-1']);
  });

  it('re-sends an alert whose line a crash cut short, on a line of its own', async () => {
    // Prepare
    const whole = JSON.stringify({ alertId: 'alert-1' });
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, `${whole}\n{"alertId":"alert-2","subj`);
    const publisher = new OutboxAlertPublisher({ path, topicNames, print: () => {}, clock });

    // Act
    const outcome = await publisher.publish([alertFor(1), alertFor(2)]);

    // Assess
    expect(outcome).toEqual({ published: ['alert-1', 'alert-2'], failed: [] });
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('{"alertId":"alert-2","subj');
    expect((JSON.parse(lines[2] ?? '') as OutboxRecord).alertId).toBe('alert-2');
    expect(lines[3]).toBe('');
  });

  it('reports every alert as failed when the outbox cannot be read', async () => {
    // Prepare: the outbox path is an existing folder, so reading it fails.
    await mkdir(path, { recursive: true });
    const publisher = new OutboxAlertPublisher({ path, topicNames, print: () => {}, clock });

    // Act
    const outcome = await publisher.publish([alertFor(1)]);

    // Assess
    expect(outcome.published).toEqual([]);
    expect(outcome.failed).toEqual([
      { alertId: 'alert-1', reason: expect.stringMatching(/^OUTBOX_READ: .*EISDIR/) },
    ]);
  });

  it('reports the new alerts as failed when the outbox cannot be written', async () => {
    // Prepare: after a first publish, the file is swapped for a folder, so appending fails.
    const print = vi.fn();
    const publisher = new OutboxAlertPublisher({ path, topicNames, print, clock });
    await publisher.publish([alertFor(1)]);
    await rm(path);
    await mkdir(path);
    print.mockClear();

    // Act
    const outcome = await publisher.publish([alertFor(1), alertFor(2)]);

    // Assess
    expect(outcome).toEqual({
      published: ['alert-1'],
      failed: [{ alertId: 'alert-2', reason: expect.stringMatching(/^OUTBOX_WRITE: .*EISDIR/) }],
    });
    expect(print).not.toHaveBeenCalled();
  });
});
