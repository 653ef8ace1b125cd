/**
 * Runs the whole ingestion stage (decode, parse, normalise) over the real-world and test-suite
 * feeds in ../shared/corpus/feeds (see its SOURCES.md): nothing may escape as anything but a
 * FeedParseError, and no normalised text may carry control characters.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeFeedBody } from '../../functions/core/feeds/decode-body';
import { FeedParseError } from '../../functions/core/feeds/errors';
import { normaliseItem } from '../../functions/core/feeds/normalise-item';
import { parseFeed } from '../../functions/core/feeds/parse-feed';
import type { FeedConfig } from '../../functions/core/model';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus/feeds');

/** Documentation beside the feeds, not feeds. */
const NOT_FEEDS = new Set(['.md', '.txt', '.license']);

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/;

function feedFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return feedFiles(file);
    return NOT_FEEDS.has(path.extname(entry.name).toLowerCase()) ? [] : [file];
  });
}

/** Two corpus files are gzip under an .xml name; the fetcher would have inflated them. */
function bodyOf(file: string): Buffer {
  const bytes = readFileSync(file);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

describe('feed corpus', () => {
  it('parses every corpus file into items or a named FeedParseError', async () => {
    // Prepare
    const files = feedFiles(CORPUS);
    const seenAt = new Date('2026-11-28T00:00:00.000Z');
    const errors: Record<string, number> = {};
    const unexpected: string[] = [];
    const dirtyText: string[] = [];
    let parsed = 0;
    let items = 0;
    const started = performance.now();

    // Act
    for (const file of files) {
      const name = path.relative(CORPUS, file);
      const feed: FeedConfig = {
        id: `corpus-${name}`,
        url: `https://corpus.invalid/${name}`,
        name,
        language: 'en',
      };
      try {
        const parsedFeed = await parseFeed(decodeFeedBody(bodyOf(file)));
        parsed++;
        for (const raw of parsedFeed.items) {
          const article = normaliseItem(raw, feed, seenAt);
          items++;
          if (CONTROL_CHARACTERS.test(article.title) || CONTROL_CHARACTERS.test(article.summary)) {
            dirtyText.push(name);
          }
        }
      } catch (error) {
        if (error instanceof FeedParseError) {
          errors[error.code] = (errors[error.code] ?? 0) + 1;
        } else {
          unexpected.push(`${name}: ${String(error)}`);
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `corpus feeds: ${files.length} files, ${parsed} parsed, ${items} items, errors ${JSON.stringify(errors)}, ${seconds.toFixed(1)} s`,
    );

    // Assess
    expect(files.length).toBeGreaterThan(2_000);
    expect(unexpected).toEqual([]);
    expect(dirtyText).toEqual([]);
    expect(parsed + Object.values(errors).reduce((sum, count) => sum + count, 0)).toBe(
      files.length,
    );
    expect(items).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(60);
  });
});
