/**
 * Story folding on shared data: the labelled development set (shared/domain/eval-dev.jsonl,
 * whose `story` field marks copies of one development across languages) and a scraped page that
 * repeats its article (shared/domain/000_db27b3d9bb74996f.txt). Prints the figures so a change
 * shows in the log.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  evaluateStories,
  foldLabelledItems,
  formatStoryReport,
  parseLabelledItems,
  type StoryReport,
} from '../../functions/core/evaluation/evaluate';
import { MAX_SUMMARY_LENGTH } from '../../functions/core/feeds/normalise-item';
import { compileTopics } from '../../functions/core/matching/topic-matcher';
import { loadDefaultTopicPack } from '../../functions/core/matching/topic-pack';
import { storyFingerprint } from '../../functions/core/stories/story-fingerprint';
import { foldIntoStory, InMemoryStoryIndex } from '../../functions/core/stories/story-folding';

const DOMAIN = path.resolve(import.meta.dirname, '../../../shared/domain');
const EVAL_DEV = path.join(DOMAIN, 'eval-dev.jsonl');
const SCRAPED_PAGE = path.join(DOMAIN, '000_db27b3d9bb74996f.txt');

const pack = loadDefaultTopicPack();
const matcher = compileTopics(pack.topics, pack.aliases);

describe('story folding on eval-dev', () => {
  let report: StoryReport;

  beforeAll(async () => {
    const items = parseLabelledItems(readFileSync(EVAL_DEV, 'utf8'));
    report = evaluateStories(items, await foldLabelledItems(items, matcher));
    console.log(`\n${formatStoryReport(report)}\n${JSON.stringify(report)}\n`);
  });

  it('has copies to fold', () => {
    expect(report.groups).toBeGreaterThan(0);
    expect(report.copies).toBeGreaterThanOrEqual(report.groups);
  });

  it('folds at least 95% of the copies into their story', () => {
    expect(report.copiesFolded / report.copies).toBeGreaterThanOrEqual(0.95);
  });

  it('merges no two distinct stories', () => {
    expect(report.distinctMerged).toBe(0);
  });
});

describe('story folding on a scraped page that repeats its article', () => {
  const lines = readFileSync(SCRAPED_PAGE, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const key = (line: string): string => line.toLowerCase().replace(/\s+/g, ' ');
  const isHeadline = (line: string): boolean => line.length < 120 && !/[.?!]$/.test(line);

  /** Title and summary of a block of lines, as a feed item made from it would carry them. */
  const itemOf = (block: readonly string[]) => ({
    title: block[0] ?? '',
    summary: block.slice(1).join(' ').slice(0, MAX_SUMMARY_LENGTH),
    language: 'en' as const,
  });

  async function foldAll(
    items: readonly { title: string; summary: string; language: 'en'; link?: string }[],
  ): Promise<string[]> {
    const index = new InMemoryStoryIndex();
    const storyIds: string[] = [];
    for (const [position, item] of items.entries()) {
      const topicIds = matcher.match(item).map((match) => match.topicId);
      const fingerprint = storyFingerprint({ ...item, link: item.link ?? '', topicIds });
      const seenAt = new Date(Date.UTC(2025, 0, 20) + position * 60_000);
      const { storyId } = await foldIntoStory(
        { id: `page-item-${position}`, topicIds },
        fingerprint,
        index,
        seenAt,
      );
      storyIds.push(storyId);
    }
    return storyIds;
  }

  it('folds the repeated copies of the article, split at its headline, by their text', async () => {
    // Prepare: the page's article headline is the first headline the page repeats.
    const headline = lines.find(
      (line, index) =>
        isHeadline(line) && lines.slice(index + 1).some((other) => key(other) === key(line)),
    );
    const starts = lines.flatMap((line, index) =>
      key(line) === key(headline ?? '') ? [index] : [],
    );
    const copies = starts.map((start, index) =>
      lines.slice(start, starts[index + 1] ?? lines.length),
    );

    // Act
    const storyIds = await foldAll(copies.map(itemOf));

    // Assess
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(new Set(storyIds).size).toBe(1);
  });

  it('folds every paragraph block of the page into one story by the page link', async () => {
    // Prepare: a scraper's items for one page carry its link, with the usual variations.
    const page = 'https://www.example-news.com/world/russia-iran-partnership-agreement';
    const links = [
      page,
      `${page}/`,
      `${page}?utm_source=rss`,
      `${page}/amp`,
      page.replace('https://www.', 'http://m.'),
    ];
    const blocks: string[][] = [];
    for (let start = 0; start < lines.length; start += 4)
      blocks.push(lines.slice(start, start + 4));
    const items = blocks.map((block, index) => ({
      ...itemOf(block),
      link: links[index % links.length] ?? page,
    }));

    // Act
    const storyIds = await foldAll(items);

    // Assess
    expect(items.length).toBeGreaterThan(5);
    expect(new Set(storyIds).size).toBe(1);
  });
});
