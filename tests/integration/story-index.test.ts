/** The story-folding index on dynalite: copies across feeds and languages fold, by key lookups. */
import { describe, expect, it } from 'vitest';
import { DynamoStoryIndex } from '../../functions/adapters/dynamodb/story-index';
import { FingerprintStoryFolder } from '../../functions/core/pipeline/story-folder';
import type { StoredArticle } from '../../functions/core/ports';
import { createTestTables } from '../support/dynamo';

const article = (key: string, fields: Partial<StoredArticle>): StoredArticle => ({
  key,
  id: key,
  feedId: 'feed-x',
  source: 'Outlet',
  title: '',
  summary: '',
  link: '',
  published: '2025-04-08T10:00:00.000Z',
  firstSeen: '2025-04-08T10:00:00.000Z',
  language: 'en',
  ...fields,
});

describe('DynamoStoryIndex with the fingerprint folder', () => {
  it('folds a re-titled syndicated copy and the same page, and keeps a follow-up apart', async () => {
    // Prepare
    const tables = await createTestTables();
    const folder = new FingerprintStoryFolder(
      new DynamoStoryIndex(tables.document, tables.names.stories),
    );
    const now = new Date('2025-04-08T10:00:00Z');
    const later = new Date('2025-04-08T12:00:00Z');
    const topics = ['agreement-status'];
    const original = article('a1', {
      title: "Russia's State Duma ratifies comprehensive strategic partnership treaty with Iran",
      summary:
        'Deputies approved the 20-year pact signed by Vladimir Putin and Masoud Pezeshkian in Moscow on January 17. Deputy Foreign Minister Andrei Rudenko said the treaty is not a military alliance.',
      link: 'https://tass.com/politics/1940127',
    });
    const copy = article('a2', {
      title: 'Duma approves Russia–Iran strategic partnership treaty',
      summary:
        'Deputies approved the 20-year pact signed by Vladimir Putin and Masoud Pezeshkian in Moscow on January 17. Deputy Foreign Minister Andrei Rudenko said the treaty is not a military alliance.',
      link: 'https://www.tehrantimes.com/news/511204/duma-approves',
      source: 'Tehran Times',
    });
    const samePage = article('a3', {
      title: 'Duma ratifies treaty',
      summary: 'Short item.',
      link: 'https://m.tass.com/politics/1940127/amp?utm_source=rss',
    });
    const followUp = article('a4', {
      title: "Iran's Majlis ratifies the comprehensive strategic partnership treaty with Russia",
      summary:
        'Iranian lawmakers approved the treaty with Russia; the Guardian Council must now confirm it before President Pezeshkian signs it into law.',
      link: 'https://en.irna.ir/news/85838912',
    });

    // Act
    const first = await folder.fold(original, topics, now);
    const second = await folder.fold(copy, topics, later);
    const third = await folder.fold(samePage, topics, later);
    const fourth = await folder.fold(followUp, topics, later);
    const rerun = await folder.fold(original, topics, later);

    // Assess
    expect(first.isNew).toBe(true);
    expect(second).toEqual({ storyId: first.storyId, isNew: false });
    expect(third).toEqual({ storyId: first.storyId, isNew: false });
    expect(fourth.isNew).toBe(true);
    expect(fourth.storyId).not.toBe(first.storyId);
    // A re-run after a crash finds the article's own story and still calls it new.
    expect(rerun).toEqual(first);
  });

  it('makes one story of copies that two workers fold at the same moment', async () => {
    // Prepare: two workers, each with its own client and index, on one table.
    const tables = await createTestTables();
    const workers = [0, 1].map(
      () => new FingerprintStoryFolder(new DynamoStoryIndex(tables.document, tables.names.stories)),
    );
    const now = new Date('2025-04-08T10:00:00Z');
    const copies = ['TASS', 'IRNA', 'Tehran Times', 'RIA'].map((source, index) =>
      article(`c${index}`, {
        source,
        title: 'Rasht–Astara railway: Russia releases the first loan tranche',
        summary: 'The North–South corridor link will be built by 2028, officials in Baku said.',
        link: `https://outlet-${index}.example/economy/rasht-astara`,
      }),
    );

    // Act
    const results = await Promise.all(
      copies.map((copy, index) => workers[index % 2]?.fold(copy, ['transport-corridor'], now)),
    );

    // Assess
    expect(results.filter((result) => result?.isNew)).toHaveLength(1);
    expect(new Set(results.map((result) => result?.storyId)).size).toBe(1);
  });
});
