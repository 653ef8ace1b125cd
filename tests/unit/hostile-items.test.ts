/**
 * Hostile and sloppy items (checklist B.25–29): what `normaliseItem` stores for script and markup,
 * bidi and zero-width characters, huge texts, dangerous link schemes, missing ids and absurd
 * dates, and how one poll keeps duplicates and re-dated items from becoming new articles.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFeedBody } from '../../functions/core/feeds/decode-body';
import {
  MAX_LINK_LENGTH,
  MAX_SUMMARY_LENGTH,
  MAX_TITLE_LENGTH,
  normaliseItem,
} from '../../functions/core/feeds/normalise-item';
import { parseFeed, type RawFeedItem } from '../../functions/core/feeds/parse-feed';
import { contentHash } from '../../functions/core/ids';
import type { Feed, FeedConfig } from '../../functions/core/model';
import { type PollDependencies, pollFeed } from '../../functions/core/pipeline/poll-feed';
import type {
  ArticleStore,
  FeedStore,
  FetchResult,
  StoredArticle,
} from '../../functions/core/ports';

const feed: FeedConfig = {
  id: 'feed-hostile',
  url: 'https://news.example/rss',
  name: 'Example',
  language: 'en',
};
const seenAt = new Date('2025-01-17T12:00:00.000Z');
const DAY_MS = 24 * 60 * 60 * 1000;

const normalise = (raw: RawFeedItem) => normaliseItem(raw, feed, seenAt);

/** An element start or end tag, a comment or a declaration: what a browser would parse. */
const MARKUP = /<[A-Za-z/!?]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('text of hostile items', () => {
  it('stores the hostile fixture as plain text without its links', async () => {
    // Prepare
    const body = readFileSync(
      path.join(import.meta.dirname, '../fixtures/hostile/hostile-item.xml'),
    );

    // Act
    const parsed = await parseFeed(decodeFeedBody(body, 'application/rss+xml'));
    const articles = parsed.items.map(normalise);

    // Assess
    expect(articles.map(({ id, title, summary, link }) => ({ id, title, summary, link }))).toEqual([
      {
        id: 'hostile-1',
        title: 'Iran and Russia "> sign',
        summary: 'Treaty',
        link: '',
      },
      { id: 'hostile-2', title: 'txt.exe IranRussia deal', summary: '', link: '' },
      { id: 'hostile-3', title: 'vbscript link', summary: '', link: '' },
      { id: 'hostile-4', title: 'file link', summary: '', link: '' },
    ]);
  });

  it.each([
    ['a script element', '<script>alert(1)</script>Treaty', 'Treaty'],
    ['an unclosed script element', 'Treaty<script>alert(1)', 'Treaty'],
    ['an attribute break-out', '"><img src=x onerror=alert(1)>Treaty', '"> Treaty'],
    ['an event handler', '<p onclick="alert(1)" title="a > b">Treaty</p>', 'Treaty'],
    ['an svg payload', '<svg onload=alert(1)><text>Treaty</text></svg>', 'Treaty'],
    ['a comment hiding markup', '<!-- <script>alert(1)</script> -->Treaty', 'Treaty'],
    ['an unterminated tag', 'Treaty <img src=x onerror=alert(1)', 'Treaty'],
  ])('keeps only the text of %s', (_case, html, expected) => {
    // Act
    const article = normalise({ title: html, summaryHtml: html });

    // Assess
    expect(article.title).toBe(expected);
    expect(article.summary).toBe(expected);
    expect(article.title).not.toMatch(MARKUP);
  });

  it('keeps markup the feed escaped twice as literal text, for readers to escape on display', () => {
    // Prepare: `&amp;lt;img …&amp;gt;` in the XML; the feed means the characters, as a browser
    // showing its HTML would (docs/security.md, "Parse safety").
    const raw: RawFeedItem = { title: '&lt;img src=x onerror=alert(1)&gt; Treaty' };

    // Act
    const article = normalise(raw);

    // Assess
    expect(article.title).toBe('<img src=x onerror=alert(1)> Treaty');
  });

  it.each([
    ['RIGHT-TO-LEFT OVERRIDE', '\u202E'],
    ['LEFT-TO-RIGHT OVERRIDE', '\u202D'],
    ['RIGHT-TO-LEFT EMBEDDING', '\u202B'],
    ['POP DIRECTIONAL FORMATTING', '\u202C'],
    ['RIGHT-TO-LEFT ISOLATE', '\u2067'],
    ['FIRST STRONG ISOLATE', '\u2068'],
    ['POP DIRECTIONAL ISOLATE', '\u2069'],
    ['RIGHT-TO-LEFT MARK', '\u200F'],
    ['ARABIC LETTER MARK', '\u061C'],
    ['ZERO WIDTH SPACE', '\u200B'],
    ['ZERO WIDTH JOINER', '\u200D'],
    ['WORD JOINER', '\u2060'],
    ['INVISIBLE SEPARATOR', '\u2063'],
    ['ZERO WIDTH NO-BREAK SPACE (BOM)', '\uFEFF'],
    ['SOFT HYPHEN', '\u00AD'],
  ])('removes %s, so hidden characters neither reorder nor split words', (_name, character) => {
    // Prepare
    const raw: RawFeedItem = {
      title: `${character}Ir${character}an${character}`,
      summaryHtml: `<p>${character}gnp.exe</p>`,
    };

    // Act
    const article = normalise(raw);

    // Assess
    expect(article.title).toBe('Iran');
    expect(article.summary).toBe('gnp.exe');
  });

  it('keeps ZERO WIDTH NON-JOINER, which Persian spelling needs', () => {
    // Act
    const article = normalise({ title: 'می\u200Cشود' });

    // Assess
    expect(article.title).toBe('می\u200Cشود');
  });
});

describe('size caps', () => {
  it.each([
    ['title', MAX_TITLE_LENGTH, (text: string): RawFeedItem => ({ title: text }), 'title'],
    [
      'summary',
      MAX_SUMMARY_LENGTH,
      (text: string): RawFeedItem => ({ summaryHtml: text }),
      'summary',
    ],
  ] as const)(
    'keeps a %s of exactly the cap and cuts one character longer',
    (_name, cap, item, field) => {
      // Prepare
      const atCap = 'a'.repeat(cap);
      const overCap = 'a'.repeat(cap + 1);

      // Act
      const kept = normalise(item(atCap))[field];
      const cut = normalise(item(overCap))[field];

      // Assess
      expect(kept).toBe(atCap);
      expect(cut.length).toBeLessThanOrEqual(cap);
      expect(cut.endsWith('…')).toBe(true);
    },
  );

  it('cuts a 1 MB description to the summary cap, after removing its markup', () => {
    // Prepare
    const summaryHtml = `<div>${'<p>Договор <b>ратифицирован</b></p>'.repeat(30_000)}</div>`;
    expect(summaryHtml.length).toBeGreaterThan(1_000_000);

    // Act
    const article = normalise({ title: 't', summaryHtml });

    // Assess
    expect(article.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_LENGTH);
    expect(article.summary.startsWith('Договор ратифицирован Договор')).toBe(true);
    expect(article.summary).not.toMatch(MARKUP);
  });

  it('never splits a surrogate pair when it cuts', () => {
    // Act
    const article = normalise({
      title: '𝕏'.repeat(MAX_TITLE_LENGTH),
      summaryHtml: '🇮🇷'.repeat(MAX_SUMMARY_LENGTH),
    });

    // Assess
    expect(article.title).not.toMatch(LONE_SURROGATE);
    expect(article.summary).not.toMatch(LONE_SURROGATE);
    expect(article.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
  });

  it('keeps the stored article under 16 KB when every field is 1 MB, far below the 400 KB item limit', () => {
    // Prepare: three-byte UTF-8 characters are the worst case per UTF-16 unit.
    const huge = 'ع'.repeat(1_000_000);
    const raw: RawFeedItem = {
      guid: huge,
      title: huge,
      summaryHtml: huge,
      link: `https://news.example/${'a'.repeat(1_000_000)}`,
      published: huge,
      language: huge,
    };

    // Act
    const article = normalise(raw);

    // Assess
    expect(Buffer.byteLength(JSON.stringify(article), 'utf8')).toBeLessThan(16 * 1024);
  });

  it(`keeps a link of ${MAX_LINK_LENGTH} characters and stores none when it is longer`, () => {
    // Prepare
    const base = 'https://news.example/';
    const atCap = `${base}${'a'.repeat(MAX_LINK_LENGTH - base.length)}`;
    const overCap = `${atCap}b`;

    // Act
    const kept = normalise({ link: atCap });
    const dropped = normalise({ link: overCap });
    const droppedAgain = normalise({ link: overCap, title: 're-titled' });

    // Assess
    expect(kept.link).toBe(atCap);
    expect(kept.id).toBe(atCap);
    expect(dropped.link).toBe('');
    // Still identified by its link: hashed, the same across polls and titles.
    expect(dropped.id).toBe(contentHash(overCap));
    expect(droppedAgain.id).toBe(dropped.id);
  });
});

describe('links', () => {
  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    '  javascript:alert(1)',
    'java\nscript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'blob:https://news.example/0b8e',
    'about:blank',
    'https://news.example@attacker.example/',
    'https://user:secret@news.example/item',
    'http://[::1',
  ])('stores no link for %j', (link) => {
    // Act
    const article = normalise({ link, title: 't' });

    // Assess
    expect(article.link).toBe('');
  });

  it.each([
    ['/item/1', 'https://news.example/item/1'],
    ['//cdn.example/item/1', 'https://cdn.example/item/1'],
    ['HTTPS://News.Example/a b', 'https://news.example/a%20b'],
  ])('resolves and normalises the http(s) link %j', (link, expected) => {
    // Act
    const article = normalise({ link });

    // Assess
    expect(article.link).toBe(expected);
  });
});

describe('ids of items without guid or link', () => {
  it('gives the same item the same content-hash id on every poll, whatever its date', () => {
    // Prepare
    const item: RawFeedItem = { title: 'Treaty ratified', summaryHtml: '<p>Text</p>' };

    // Act
    const first = normaliseItem({ ...item, published: '2025-01-16T10:00:00Z' }, feed, seenAt);
    const again = normaliseItem(item, feed, new Date(seenAt.getTime() + DAY_MS));
    const redated = normaliseItem(
      { ...item, published: 'Sat, 18 Jan 2025 09:00:00 GMT' },
      feed,
      seenAt,
    );

    // Assess
    expect(first.id).toBe(contentHash(feed.id, 'Treaty ratified', 'Text'));
    expect(again.id).toBe(first.id);
    expect(redated.id).toBe(first.id);
  });

  it('gives items with other text or from another feed other ids', () => {
    // Act
    const ids = [
      normalise({ title: 'Treaty ratified' }).id,
      normalise({ title: 'Treaty signed' }).id,
      normaliseItem({ title: 'Treaty ratified' }, { ...feed, id: 'feed-other' }, seenAt).id,
    ];

    // Assess
    expect(new Set(ids).size).toBe(3);
  });

  it('ignores tracking parameters and fragments when the link is the id', () => {
    // Act
    const plain = normalise({ link: 'https://news.example/a?id=1' });
    const tracked = normalise({ link: 'https://news.example/a?id=1&utm_source=rss#top' });

    // Assess
    expect(tracked.id).toBe(plain.id);
  });
});

describe('dates', () => {
  const seen = seenAt.toISOString();

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['not a date', 'yesterday'],
    ['a bare number V8 would read as 2000-01-01', '0'],
    ['a bare year', '2025'],
    ['a Unix timestamp', '1737115200'],
    ['the Unix epoch', 'Thu, 01 Jan 1970 00:00:00 GMT'],
    ['one second before 1995', '1994-12-31T23:59:59Z'],
    ['in the year 9999', '9999-12-31T00:00:00Z'],
    ['at the end of JavaScript time', '+275760-09-13T00:00:00.000Z'],
    ['a day and a second ahead', new Date(seenAt.getTime() + DAY_MS + 1000).toISOString()],
    ['1 MB long', '2025-01-17 '.repeat(100_000)],
  ])('uses the first-seen time when the date is %s', (_case, published) => {
    // Act
    const article = normalise({ title: 't', published });

    // Assess
    expect(article.published).toBe(seen);
  });

  it.each([
    ['the first moment of 1995', '1995-01-01T00:00:00Z', '1995-01-01T00:00:00.000Z'],
    [
      'exactly a day ahead (clock skew)',
      new Date(seenAt.getTime() + DAY_MS).toISOString(),
      '2025-01-18T12:00:00.000Z',
    ],
    ['RFC 822 with a two-digit year', 'Fri, 17 Jan 25 10:30:00 GMT', '2025-01-17T10:30:00.000Z'],
  ])('keeps a date %s', (_case, published, expected) => {
    // Act
    const article = normalise({ title: 't', published });

    // Assess
    expect(article.published).toBe(expected);
  });
});

describe('one poll of a feed with duplicates and re-dated items', () => {
  const rssBody = (items: string): Uint8Array =>
    Buffer.from(
      `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>${items}</channel></rss>`,
    );

  /** A dependency the poll must not reach when nothing matches a topic. */
  const unused = <T extends object>(name: string): T =>
    new Proxy({} as T, {
      get: (_target, property) => {
        throw new Error(`${name}.${String(property)} was used`);
      },
    });

  function pollDependencies(bodies: Uint8Array[]) {
    const stored = new Map<string, StoredArticle>();
    const written: StoredArticle[][] = [];
    const articles: ArticleStore = {
      findExisting: async (keys) => new Set(keys.filter((key) => stored.has(key))),
      addArticles: async (batch) => {
        written.push([...batch]);
        for (const article of batch) stored.set(article.key, article);
        return batch.map((article) => article.key);
      },
    };
    const feeds: FeedStore = {
      ...unused<FeedStore>('feeds'),
      savePollState: async () => undefined,
    };
    let poll = 0;
    const deps: PollDependencies = {
      feeds,
      articles,
      fetcher: {
        fetch: async (): Promise<FetchResult> => ({
          kind: 'fetched',
          body: bodies[poll++] ?? new Uint8Array(),
          finalUrl: feed.url,
        }),
      },
      matcher: { match: () => [] },
      matches: unused('matches'),
      stories: unused('stories'),
      activity: unused('activity'),
      delivery: unused('delivery'),
      topicNames: {},
      clock: { now: () => seenAt },
      settings: { pollIntervalMs: 60_000, maxBackoffMs: 3_600_000 },
    };
    return { deps, stored, written };
  }

  const state: Feed = { ...feed, consecutiveErrors: 0, nextPollAt: seenAt.toISOString() };

  it('stores one article for a guid listed three times and for an item without guid or link listed twice', async () => {
    // Prepare
    const body = rssBody(`
      <item><guid>tass-1</guid><title>First</title><pubDate>Fri, 17 Jan 2025 10:00:00 GMT</pubDate></item>
      <item><guid>tass-1</guid><title>First, edited</title></item>
      <item><guid>tass-1</guid><title>First, again</title><pubDate>Fri, 17 Jan 2025 11:00:00 GMT</pubDate></item>
      <item><title>No id</title><description>Text</description></item>
      <item><title>No id</title><description>Text</description></item>`);
    const { deps, written } = pollDependencies([body]);

    // Act
    const outcome = await pollFeed(state, deps);

    // Assess
    expect(outcome).toMatchObject({ status: 'updated', items: 2, newArticles: 2 });
    expect(written.flat().map((article) => [article.id, article.title])).toEqual([
      ['tass-1', 'First'],
      [contentHash(feed.id, 'No id', 'Text'), 'No id'],
    ]);
  });

  it('finds nothing new when the same items come back re-dated and reordered', async () => {
    // Prepare
    const first = rssBody(`
      <item><guid>tass-1</guid><title>First</title><pubDate>Fri, 17 Jan 2025 10:00:00 GMT</pubDate></item>
      <item><title>No id</title><description>Text</description><pubDate>Fri, 17 Jan 2025 09:00:00 GMT</pubDate></item>
      <item><link>https://news.example/a?id=1</link><title>Linked</title></item>`);
    const redated = rssBody(`
      <item><link>https://news.example/a?id=1&amp;utm_source=rss</link><title>Linked</title><pubDate>Fri, 17 Jan 2025 11:59:00 GMT</pubDate></item>
      <item><title>No id</title><description>Text</description><pubDate>Fri, 17 Jan 2025 11:58:00 GMT</pubDate></item>
      <item><guid>tass-1</guid><title>First</title><pubDate>Fri, 17 Jan 2025 11:57:00 GMT</pubDate></item>`);
    const { deps, written } = pollDependencies([first, redated]);

    // Act
    const before = await pollFeed(state, deps);
    const after = await pollFeed(state, deps);

    // Assess
    expect(before).toMatchObject({ status: 'updated', newArticles: 3 });
    expect(after).toMatchObject({ status: 'updated', items: 3, newArticles: 0 });
    expect(written).toHaveLength(1);
  });
});
