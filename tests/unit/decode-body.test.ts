import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeFeedBody } from '../../functions/core/feeds/decode-body';

const RUSSIAN = 'Договор о всеобъемлющем стратегическом партнёрстве между Россией и Ираном';
const PERSIAN = 'پیمان مشارکت راهبردی جامع ایران و روسیه امضا می‌شود';
// windows-1256 has no Persian yeh (U+06CC): Iranian pages in it write the Arabic yeh (U+064A).
const PERSIAN_1256 = 'پيمان مشارکت راهبردي جامع ايران و روسيه امضا مي‌شود';

const feedXml = (encoding: string | undefined, title: string): string =>
  `<?xml version="1.0"${encoding ? ` encoding="${encoding}"` : ''}?>\n<rss version="2.0"><channel><title>${title}</title></channel></rss>`;

const titleOf = (xml: string): string | undefined => /<title>([^<]*)<\/title>/.exec(xml)?.[1];

describe('decodeFeedBody', () => {
  it('reads a body without any charset information as UTF-8', () => {
    // Prepare
    const body = Buffer.from(feedXml(undefined, RUSSIAN), 'utf8');

    // Act
    const text = decodeFeedBody(body);

    // Assess
    expect(titleOf(text)).toBe(RUSSIAN);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of throwing', () => {
    // Prepare
    const body = Buffer.concat([
      Buffer.from('<rss><title>a'),
      Buffer.from([0xff, 0xc3]),
      Buffer.from('b</title></rss>'),
    ]);

    // Act
    const text = decodeFeedBody(body);

    // Assess
    expect(text).toBe('<rss><title>a\uFFFD\uFFFDb</title></rss>');
  });

  it.each([
    ['UTF-8', [0xef, 0xbb, 0xbf], 'utf8'],
    ['UTF-16LE', [0xff, 0xfe], 'utf-16le'],
    ['UTF-16BE', [0xfe, 0xff], 'utf-16be'],
  ])('follows a %s byte-order mark over the header and strips it', (_name, mark, encoding) => {
    // Prepare
    const body = Buffer.concat([
      Buffer.from(mark),
      iconv.encode(feedXml(undefined, PERSIAN), encoding),
    ]);

    // Act
    const text = decodeFeedBody(body, 'application/rss+xml; charset=windows-1251');

    // Assess
    expect(text.startsWith('<?xml')).toBe(true);
    expect(titleOf(text)).toBe(PERSIAN);
  });

  it('prefers the Content-Type charset to the XML declaration', () => {
    // Prepare
    const body = iconv.encode(feedXml('ISO-8859-5', RUSSIAN), 'windows-1251');

    // Act
    const text = decodeFeedBody(body, 'text/xml; charset="windows-1251"');

    // Assess
    expect(titleOf(text)).toBe(RUSSIAN);
  });

  it('uses the XML declaration when the header names no charset', () => {
    // Prepare
    const body = iconv.encode(feedXml('koi8-r', RUSSIAN), 'koi8-r');

    // Act
    const text = decodeFeedBody(body, 'application/xml');

    // Assess
    expect(titleOf(text)).toBe(RUSSIAN);
  });

  it.each([
    ['windows-1251', RUSSIAN],
    ['KOI8-R', RUSSIAN],
    ['windows-1256', PERSIAN_1256],
  ])('round-trips %s text named in the header', (encoding, sample) => {
    // Prepare
    const body = iconv.encode(feedXml(undefined, sample), encoding);

    // Act
    const text = decodeFeedBody(body, `application/rss+xml; charset=${encoding}`);

    // Assess
    expect(titleOf(text)).toBe(sample);
  });

  it('rewrites the declared encoding to UTF-8 once the text is decoded', () => {
    // Prepare
    const body = iconv.encode(feedXml('windows-1251', RUSSIAN), 'windows-1251');

    // Act
    const text = decodeFeedBody(body);

    // Assess
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(titleOf(text)).toBe(RUSSIAN);
  });

  it('falls back to UTF-8 when every named charset is unknown', () => {
    // Prepare
    const body = Buffer.from(feedXml('x-no-such-charset', PERSIAN), 'utf8');

    // Act
    const text = decodeFeedBody(body, 'text/xml; charset=klingon-8');

    // Assess
    expect(titleOf(text)).toBe(PERSIAN);
  });

  it('skips an unknown header charset and uses the declaration instead', () => {
    // Prepare
    const body = iconv.encode(feedXml('windows-1251', RUSSIAN), 'windows-1251');

    // Act
    const text = decodeFeedBody(body, 'text/xml; charset=bogus');

    // Assess
    expect(titleOf(text)).toBe(RUSSIAN);
  });

  it('ignores a UTF-16 declaration on a body that is plainly single-byte', () => {
    // Prepare
    const body = Buffer.from(feedXml('UTF-16', RUSSIAN), 'utf8');

    // Act
    const text = decodeFeedBody(body);

    // Assess
    expect(titleOf(text)).toBe(RUSSIAN);
  });

  it('reads ISO-8859-1 as windows-1252 so curly quotes survive', () => {
    // Prepare
    const body = iconv.encode(
      feedXml('ISO-8859-1', '\u201cCafé\u201d \u2013 news'),
      'windows-1252',
    );

    // Act
    const text = decodeFeedBody(body);

    // Assess
    expect(titleOf(text)).toBe('\u201cCafé\u201d \u2013 news');
  });

  it('recognises UTF-16 without a mark by the NUL pattern of its declaration', () => {
    // Prepare
    const body = iconv.encode(feedXml('UTF-16', PERSIAN), 'utf-16le');

    // Act
    const text = decodeFeedBody(body);

    // Assess
    expect(titleOf(text)).toBe(PERSIAN);
  });
});
