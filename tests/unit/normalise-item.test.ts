import { describe, expect, it } from 'vitest';
import {
  canonicalLink,
  MAX_SUMMARY_LENGTH,
  MAX_TITLE_LENGTH,
  normaliseItem,
  toPlainText,
} from '../../functions/core/feeds/normalise-item';
import type { RawFeedItem } from '../../functions/core/feeds/parse-feed';
import { contentHash } from '../../functions/core/ids';
import type { FeedConfig } from '../../functions/core/model';

const feed: FeedConfig = {
  id: 'feed-irna',
  url: 'https://en.irna.ir/rss/world/feed.xml',
  name: 'IRNA',
  language: 'en',
};

const seenAt = new Date('2025-01-17T12:00:00.000Z');

const ZWNJ = '\u200c';

describe('normaliseItem', () => {
  it('fills every field from a complete item', () => {
    // Prepare
    const raw: RawFeedItem = {
      guid: ' irna-85001 ',
      link: 'https://en.irna.ir/news/85001',
      title: 'Iran, Russia sign treaty',
      summaryHtml: '<p>Signed in <b>Moscow</b>.</p>',
      published: 'Fri, 17 Jan 2025 10:30:00 +0300',
      language: 'en-US',
    };

    // Act
    const article = normaliseItem(raw, feed, seenAt);

    // Assess
    expect(article).toEqual({
      id: 'irna-85001',
      feedId: 'feed-irna',
      source: 'IRNA',
      title: 'Iran, Russia sign treaty',
      summary: 'Signed in Moscow.',
      link: 'https://en.irna.ir/news/85001',
      published: '2025-01-17T07:30:00.000Z',
      firstSeen: '2025-01-17T12:00:00.000Z',
      language: 'en',
    });
  });

  it('hashes a GUID over 300 characters', () => {
    // Prepare
    const guid = 'x'.repeat(301);

    // Act
    const article = normaliseItem({ guid, title: 't' }, feed, seenAt);

    // Assess
    expect(article.id).toBe(contentHash(guid));
  });

  it('uses the canonical link, without tracking parameters, when there is no GUID', () => {
    // Prepare
    const raw: RawFeedItem = {
      guid: '   ',
      link: 'HTTPS://En.IRNA.ir:443/news/85001?id=7&utm_source=rss&utm_medium=feed&fbclid=abc#top',
    };

    // Act
    const article = normaliseItem(raw, feed, seenAt);

    // Assess
    expect(article.id).toBe('https://en.irna.ir/news/85001?id=7');
  });

  it('uses a content hash when there is neither GUID nor link', () => {
    // Prepare
    const raw: RawFeedItem = { title: 'Treaty', summaryHtml: '<p>Text</p>' };

    // Act
    const article = normaliseItem(raw, feed, seenAt);

    // Assess
    expect(article.id).toBe(contentHash('feed-irna', 'Treaty', 'Text'));
  });

  it('gives the same id to items that differ only by date', () => {
    // Prepare
    const first: RawFeedItem = { title: 'Treaty', published: '2025-01-16T10:00:00Z' };
    const second: RawFeedItem = { title: 'Treaty', published: '2025-01-17T10:00:00Z' };

    // Act
    const ids = [first, second].map((raw) => normaliseItem(raw, feed, seenAt).id);

    // Assess
    expect(ids[0]).toBe(ids[1]);
  });

  it('turns Russian HTML into plain text with entities decoded', () => {
    // Prepare
    const raw: RawFeedItem = {
      title: '&laquo;Договор&raquo; &mdash; <i>подписан</i>',
      summaryHtml:
        '<style>p{color:red}</style><p>Москва&nbsp;и&nbsp;Тегеран</p><script>alert(1)</script><p>согласовали текст</p>',
    };

    // Act
    const article = normaliseItem(raw, feed, seenAt);

    // Assess
    expect(article.title).toBe('«Договор» — подписан');
    expect(article.summary).toBe('Москва и Тегеран согласовали текст');
  });

  it('keeps the ZWNJ of Persian words and removes other invisible characters', () => {
    // Prepare
    const raw: RawFeedItem = {
      title: `\u202eپیمان\u200b راهبردی\u200f می${ZWNJ}شود\ufeff`,
      summaryHtml: `<div>همکاری\u00ad‌ها&zwnj;ی دو کشور</div>`,
    };

    // Act
    const article = normaliseItem(raw, feed, seenAt);

    // Assess
    expect(article.title).toBe(`پیمان راهبردی می${ZWNJ}شود`);
    expect(article.summary).toBe(`همکاری${ZWNJ}ها${ZWNJ}ی دو کشور`);
  });

  it('folds runs of whitespace and controls into single spaces', () => {
    // Prepare
    const raw: RawFeedItem = { title: '  Iran\n\n\tand \u00a0\u2003Russia\u0007 sign  ' };

    // Act
    const article = normaliseItem(raw, feed, seenAt);

    // Assess
    expect(article.title).toBe('Iran and Russia sign');
  });

  it('caps title and summary on a word boundary with an ellipsis', () => {
    // Prepare
    const raw: RawFeedItem = {
      title: 'word '.repeat(200),
      summaryHtml: `<p>${'слово '.repeat(1_000)}</p>`,
    };

    // Act
    const article = normaliseItem(raw, feed, seenAt);

    // Assess
    expect(article.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(article.title).toMatch(/ word…$/);
    expect(article.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_LENGTH);
    expect(article.summary).toMatch(/ слово…$/);
  });

  it.each([
    ['missing', undefined],
    ['invalid', 'not a date'],
    ['before 1995 (epoch)', 'Thu, 01 Jan 1970 00:00:00 GMT'],
    ['more than a day ahead', '2025-01-19T12:00:00Z'],
  ])('uses the first-seen time when the date is %s', (_case, published) => {
    // Act
    const article = normaliseItem({ title: 't', published }, feed, seenAt);

    // Assess
    expect(article.published).toBe(seenAt.toISOString());
  });

  it('accepts a date a few hours ahead (clock skew) and Moscow time', () => {
    // Act
    const ahead = normaliseItem({ published: '2025-01-17T18:00:00Z' }, feed, seenAt);
    const moscow = normaliseItem({ published: 'Fri, 17 Jan 2025 13:00:00 MSK' }, feed, seenAt);

    // Assess
    expect(ahead.published).toBe('2025-01-17T18:00:00.000Z');
    expect(moscow.published).toBe('2025-01-17T10:00:00.000Z');
  });

  it.each([
    ['javascript:alert(1)', ''],
    ['data:text/html,hi', ''],
    ['mailto:desk@irna.ir', ''],
    ['ftp://irna.ir/file', ''],
    ['/news/85001', 'https://en.irna.ir/news/85001'],
    ['http://tass.com/politics/1', 'http://tass.com/politics/1'],
  ])('allows only http(s) links: %s', (link, expected) => {
    // Act
    const article = normaliseItem({ link }, feed, seenAt);

    // Assess
    expect(article.link).toBe(expected);
  });

  it.each([
    ['ru-RU', 'ru'],
    ['fa_IR', 'fa'],
    ['EN-us', 'en'],
    ['per', 'fa'],
  ] as const)('normalises the declared language %s', (declared, expected) => {
    // Act
    const article = normaliseItem({ language: declared }, { ...feed, language: 'en' }, seenAt);

    // Assess
    expect(article.language).toBe(expected);
  });

  it('falls back to the configured language for one we do not track', () => {
    // Act
    const article = normaliseItem({ language: 'de-DE' }, { ...feed, language: 'ru' }, seenAt);

    // Assess
    expect(article.language).toBe('ru');
  });
});

describe('canonicalLink', () => {
  it('drops tracking parameters, fragment and default port, keeping the rest in order', () => {
    // Act
    const link = canonicalLink(
      'http://WWW.Tass.RU:80/politika/1?b=2&at_medium=RSS&ref=home&a=1&gclid=x&yclid=y&mc_cid=c&mc_eid=e&_ga=1&cmpid=z#section',
    );

    // Assess
    expect(link).toBe('http://www.tass.ru/politika/1?b=2&a=1');
  });

  it('returns an empty string for what is not an absolute http(s) URL', () => {
    // Act
    const links = ['', 'not a url', 'javascript:void(0)', '/relative'].map(canonicalLink);

    // Assess
    expect(links).toEqual(['', '', '', '']);
  });
});

describe('toPlainText', () => {
  it('keeps a < that opens no tag and separates block elements with spaces', () => {
    // Act
    const text = toPlainText('<p>a < b</p><p>c<br/>d</p><!-- hidden --><span>e</span>f');

    // Assess
    expect(text).toBe('a < b c d ef');
  });

  it('ignores a > inside a quoted attribute', () => {
    // Act
    const text = toPlainText('<a title="x > y" href="/">link</a> text');

    // Assess
    expect(text).toBe('link text');
  });
});
