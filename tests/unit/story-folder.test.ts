/**
 * FingerprintStoryFolder under concurrency: copies of one development folded at the same moment
 * make one story, in one process (a worker's batch, a local cycle: the folds wait for each
 * other) and across processes (two workers: the second round settles it), while unrelated
 * articles fold without waiting for each other.
 */
import { describe, expect, it } from 'vitest';
import { FingerprintStoryFolder } from '../../functions/core/pipeline/story-folder';
import type { StoredArticle } from '../../functions/core/ports';
import {
  InMemoryStoryIndex,
  type StoryCandidate,
  type StoryIndex,
} from '../../functions/core/stories/story-folding';

const now = new Date('2025-05-01T10:00:00Z');

/** An index that answers on a later turn of the event loop, as DynamoDB does, and counts. */
class SlowIndex implements StoryIndex {
  readonly inner = new InMemoryStoryIndex();
  lookups = 0;
  /** Lookups that started while another fold's lookup was still unanswered. */
  overlapping = 0;
  private pending = 0;

  async findCandidates(keys: readonly string[]): Promise<StoryCandidate[]> {
    this.lookups++;
    if (this.pending > 0) this.overlapping++;
    this.pending++;
    await new Promise((resolve) => setImmediate(resolve));
    this.pending--;
    return this.inner.findCandidates(keys);
  }

  async addMember(...args: Parameters<StoryIndex['addMember']>): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.addMember(...args);
  }

  async takeSequence(articleId: string): Promise<number> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.takeSequence(articleId);
  }

  async joinStory(...args: Parameters<StoryIndex['joinStory']>): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.inner.joinStory(...args);
  }
}

function article(key: string, title: string, summary: string, link: string): StoredArticle {
  return {
    key,
    id: key,
    feedId: key.split(':')[0] ?? key,
    source: key,
    title,
    summary,
    link,
    published: now.toISOString(),
    firstSeen: now.toISOString(),
    language: 'en',
  };
}

const railway = (feed: string) =>
  article(
    `${feed}:railway`,
    'Rasht–Astara railway: Russia releases the first loan tranche',
    'The North–South corridor link will be built by 2028, officials in Baku said.',
    'https://wire.example/economy/rasht-astara',
  );

describe('FingerprintStoryFolder', () => {
  it('makes one story of three copies folded at the same moment', async () => {
    const folder = new FingerprintStoryFolder(new SlowIndex());

    const results = await Promise.all(
      ['tass', 'irna', 'wire'].map((feed) =>
        folder.fold(railway(feed), ['transport-corridor'], now),
      ),
    );

    expect(results.filter((result) => result.isNew)).toHaveLength(1);
    expect(new Set(results.map((result) => result.storyId)).size).toBe(1);
  });

  it('makes one story of copies that two workers fold at the same moment', async () => {
    // Two folders share nothing but the index, as two Lambda invocations do.
    const index = new SlowIndex();
    const workers = [new FingerprintStoryFolder(index), new FingerprintStoryFolder(index)];

    const results = await Promise.all(
      ['tass', 'irna', 'wire', 'rt'].map((feed, turn) =>
        workers[turn % 2]?.fold(railway(feed), ['transport-corridor'], now),
      ),
    );

    expect(index.overlapping).toBeGreaterThan(0);
    expect(results.filter((result) => result?.isNew)).toHaveLength(1);
    expect(new Set(results.map((result) => result?.storyId)).size).toBe(1);
  });

  it('lets unrelated articles fold at the same time', async () => {
    const index = new SlowIndex();
    const folder = new FingerprintStoryFolder(index);
    const unrelated = [
      railway('tass'),
      article(
        'irna:gas',
        'Gazprom and NIGC sign gas contract for supplies through Azerbaijan',
        'Russian gas will reach Iran through Azerbaijan under a contract signed in Tehran.',
        'https://irna.example/gas',
      ),
      article(
        'wire:duma',
        'State Duma ratifies the strategic partnership treaty with Iran',
        'Deputies approved the 20-year treaty signed in Moscow in January.',
        'https://wire.example/duma',
      ),
    ];

    const results = await Promise.all(
      unrelated.map((item) => folder.fold(item, ['agreement-status'], now)),
    );

    expect(results.every((result) => result.isNew)).toBe(true);
    expect(index.overlapping).toBeGreaterThan(0);
  });

  it('still folds after a fold that failed', async () => {
    const index = new SlowIndex();
    let failNext = true;
    const original = index.findCandidates.bind(index);
    index.findCandidates = async (keys) => {
      if (failNext) {
        failNext = false;
        throw new Error('throttled');
      }
      return original(keys);
    };
    const folder = new FingerprintStoryFolder(index);

    const [first, second] = await Promise.allSettled([
      folder.fold(railway('tass'), ['transport-corridor'], now),
      folder.fold(railway('irna'), ['transport-corridor'], now),
    ]);

    expect(first.status).toBe('rejected');
    expect(second).toMatchObject({ status: 'fulfilled', value: { isNew: true } });
  });
});
