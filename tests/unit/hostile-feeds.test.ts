/**
 * Hostile and broken feed bodies through decode → parse → normalise (checklist B.19–24): entity
 * expansion and external entities, bodies that are not feeds, extreme nesting and item counts,
 * odd charsets. Each ends in articles or a named `FeedParseError`, never in anything else.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import Parser from 'rss-parser';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { decodeFeedBody } from '../../functions/core/feeds/decode-body';
import { FeedParseError } from '../../functions/core/feeds/errors';
import { MAX_TITLE_LENGTH, normaliseItem } from '../../functions/core/feeds/normalise-item';
import { MAX_ITEMS_PER_FEED, parseFeed } from '../../functions/core/feeds/parse-feed';
import type { Article, FeedConfig } from '../../functions/core/model';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/hostile');

const feed: FeedConfig = {
  id: 'feed-hostile',
  url: 'https://attacker.example/rss',
  name: 'Hostile',
  language: 'en',
};
const seenAt = new Date('2025-01-17T12:00:00.000Z');

const fixture = (name: string): Buffer => readFileSync(path.join(FIXTURES, name));

const rss = (items: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>T</title>${items}</channel></rss>`;

/** What the poller does with a body: decode, parse, normalise every item. */
async function ingest(body: Uint8Array | string, contentType?: string): Promise<Article[]> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const parsed = await parseFeed(decodeFeedBody(bytes, contentType));
  return parsed.items.map((raw) => normaliseItem(raw, feed, seenAt));
}

async function ingestError(body: Uint8Array | string, contentType?: string): Promise<unknown> {
  return ingest(body, contentType).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
}

/** Lines of a Unix passwd file, whoever wrote them: `name:x:uid:gid:`. */
const PASSWD_LINE = /\w+:[^:\s]*:\d+:\d+:/;

describe('entity expansion and external entities', () => {
  let parseString: MockInstance<Parser['parseString']>;
  beforeEach(() => {
    // The one place rss-parser (and so sax) receives text: what reaches it is what it could expand.
    parseString = vi.spyOn(Parser.prototype, 'parseString');
  });
  afterEach(() => {
    parseString.mockRestore();
  });

  const seenByXmlParser = (): string =>
    parseString.mock.calls.map(([xml]) => String(xml)).join('\n');

  it.each([
    ['billion laughs (nested entities)', 'billion-laughs.xml', 'Laughs: &lol9;'],
    ['an external entity naming /etc/passwd (XXE)', 'xxe-file.xml', 'Leak: &xxe;'],
    [
      'parameter entities and an external DTD',
      'xxe-parameter-entities.xml',
      'Exfiltrate: &send; &tricky;',
    ],
  ])(
    'leaves %s unexpanded, the DOCTYPE never reaching the XML parser',
    async (_case, file, title) => {
      // Prepare
      const body = fixture(file);

      // Act
      const articles = await ingest(body, 'application/rss+xml');

      // Assess
      expect(articles.map((article) => article.title)).toEqual([title]);
      expect(parseString).toHaveBeenCalledOnce();
      const stored = JSON.stringify(articles);
      expect(stored).not.toMatch(PASSWD_LINE);
      expect(stored).not.toContain('lollollol');
      expect(stored).not.toContain('injected');
      const seen = seenByXmlParser();
      expect(seen).not.toMatch(/<!DOCTYPE|<!ENTITY/i);
      expect(seen.length).toBeLessThan(body.length);
    },
  );

  it('does not expand one large entity referenced 100,000 times (quadratic blow-up)', async () => {
    // Prepare: expanded, the title would be 5 GB.
    const references = '&big;'.repeat(100_000);
    const xml = `<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY big "${'x'.repeat(50_000)}"> ]>
<rss version="2.0"><channel><title>T</title>
<item><title>${references}</title><description>${references}</description></item>
</channel></rss>`;

    // Act
    const parsed = await parseFeed(xml);
    const articles = parsed.items.map((raw) => normaliseItem(raw, feed, seenAt));

    // Assess
    expect(parsed.items[0]?.title).toBe(references);
    expect(articles[0]?.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(articles[0]?.title.startsWith('&big;&big;')).toBe(true);
    expect(seenByXmlParser()).not.toContain('x'.repeat(100));
  });

  it.each([
    ['in lower case', '<!doctype rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>'],
    [
      'twice',
      '<!DOCTYPE rss [ <!ENTITY a "1"> ]><!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>',
    ],
    [
      'with comments holding quotes',
      `<!DOCTYPE rss [ <!-- it's --> <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!-- isn't --> ]>`,
    ],
  ])('removes a DOCTYPE written %s', async (_case, doctype) => {
    // Prepare
    const xml = `<?xml version="1.0"?>${doctype}${rss('<item><title>&xxe;</title></item>').replace(/^<\?xml[^>]*>/, '')}`;

    // Act
    const articles = await ingest(xml);

    // Assess
    expect(articles.map((article) => article.title)).toEqual(['&xxe;']);
    expect(seenByXmlParser()).not.toMatch(/<!DOCTYPE|<!ENTITY/i);
  });

  it('keeps an entity reference inside CDATA as text', async () => {
    // Prepare
    const xml = `<?xml version="1.0"?><!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0"><channel><title>T</title><item><title><![CDATA[&xxe;]]></title></item></channel></rss>`;

    // Act
    const articles = await ingest(xml);

    // Assess
    expect(articles[0]?.title).toBe('&xxe;');
  });

  it.each([
    ['after the root element', fixture('xxe-doctype-in-body.xml').toString('utf8')],
    [
      'that never ends',
      `<?xml version="1.0"?><!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ${rss('<item><title>&xxe;</title></item>')}`,
    ],
    [
      'whose comment holds a lone quote',
      `<?xml version="1.0"?><!DOCTYPE rss [ <!-- it's ]> --> <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>${rss('<item><title>&xxe;</title></item>').replace(/^<\?xml[^>]*>/, '')}`,
    ],
  ])('says MALFORMED for a DOCTYPE %s', async (_case, xml) => {
    // Act
    const error = await ingestError(xml);

    // Assess
    expect(error).toBeInstanceOf(FeedParseError);
    expect(error).toMatchObject({ code: 'MALFORMED' });
    expect(seenByXmlParser()).not.toMatch(PASSWD_LINE);
  });
});

describe('bodies that are not feeds', () => {
  const utf16le = (text: string): Buffer =>
    Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]);

  /** A complete 1×1 PNG. */
  const PNG = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a2b2a2f60000000049454e44ae426082',
    'hex',
  );

  /** Bytes from a fixed linear congruential sequence: the same "random" body on every run. */
  const noise = (length: number): Buffer => {
    const bytes = Buffer.alloc(length);
    let state = 0x2545f491;
    for (let index = 0; index < length; index++) {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      bytes[index] = state >>> 24;
    }
    return bytes;
  };

  it.each([
    ['an HTML login page', fixture('login-page.html'), 'text/html; charset=utf-8', 'NOT_A_FEED'],
    ['a JSON document', Buffer.from('{"error":"not found"}'), 'application/json', 'NOT_A_FEED'],
    // JSON Feed is not read (docs/security.md): the outlets we follow publish RSS or Atom.
    ['a JSON Feed', fixture('json-feed.json'), 'application/feed+json', 'NOT_A_FEED'],
    ['a PNG image', PNG, 'image/png', 'NOT_A_FEED'],
    ['64 KB of random bytes', noise(65_536), 'application/octet-stream', 'NOT_A_FEED'],
    [
      'an HTML page in UTF-16 with a BOM',
      utf16le(fixture('login-page.html').toString()),
      undefined,
      'NOT_A_FEED',
    ],
    ['an empty body', Buffer.alloc(0), 'application/rss+xml', 'EMPTY'],
    ['whitespace only', Buffer.from(' \r\n\t \n'), 'application/rss+xml', 'EMPTY'],
    ['a UTF-16 BOM and nothing else', Buffer.from([0xff, 0xfe]), undefined, 'EMPTY'],
    ['a UTF-8 BOM and whitespace', Buffer.from([0xef, 0xbb, 0xbf, 0x20, 0x0a]), undefined, 'EMPTY'],
  ])('says %s is not a feed', async (_case, body, contentType, code) => {
    // Act
    const error = await ingestError(body, contentType);

    // Assess
    expect(error).toBeInstanceOf(FeedParseError);
    expect(error).toMatchObject({ code });
  });

  it('reads a UTF-16 feed with a BOM, whatever charset the header claims', async () => {
    // Prepare
    const body = utf16le(rss('<item><title>Договор ратифицирован</title></item>'));

    // Act
    const articles = await ingest(body, 'text/xml; charset=iso-8859-1');

    // Assess
    expect(articles.map((article) => article.title)).toEqual(['Договор ратифицирован']);
  });

  const complete = rss(
    Array.from(
      { length: 5 },
      (_, index) =>
        `<item><guid>g${index}</guid><title>Item ${index}</title><description>${'text '.repeat(40)}</description></item>`,
    ).join('\n'),
  );

  it.each([0.1, 0.25, 0.5, 0.75, 0.9, 0.99])(
    'says MALFORMED for a feed cut off at %s of its length',
    async (fraction) => {
      // Prepare
      const truncated = complete.slice(0, Math.floor(complete.length * fraction));

      // Act
      const error = await ingestError(truncated);

      // Assess
      expect(error).toBeInstanceOf(FeedParseError);
      expect(error).toMatchObject({ code: 'MALFORMED' });
    },
  );

  it('ends any bytes at all in articles or a named FeedParseError', async () => {
    // Prepare: random bytes, and random bytes spliced into a real feed.
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 2_048 }),
      fc
        .tuple(fc.nat(complete.length), fc.uint8Array({ minLength: 1, maxLength: 64 }))
        .map(([at, bytes]) => {
          const text = Buffer.from(complete);
          return Buffer.concat([text.subarray(0, at), bytes, text.subarray(at)]);
        }),
    );

    // Act / Assess
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const outcome = await ingest(body).catch((error: unknown) => error);
        if (!Array.isArray(outcome)) expect(outcome).toBeInstanceOf(FeedParseError);
      }),
      { numRuns: 300 },
    );
  });
});

describe('extreme nesting and item counts', () => {
  const DEPTH = 100_000;

  it.each([
    [
      'in a title',
      `<item><title>Deep ${'<a>'.repeat(DEPTH)}x${'</a>'.repeat(DEPTH)}</title></item>`,
    ],
    [
      'in an item',
      `<item><title>Deep</title>${'<a>'.repeat(DEPTH)}x${'</a>'.repeat(DEPTH)}</item>`,
    ],
    [
      'in the channel',
      `${'<a>'.repeat(DEPTH)}x${'</a>'.repeat(DEPTH)}<item><title>Deep</title></item>`,
    ],
  ])('reads a feed with 100,000 nested elements %s', async (_case, items) => {
    // Act
    const articles = await ingest(rss(items));

    // Assess
    expect(articles).toHaveLength(1);
    expect(articles[0]?.title).toBe('Deep');
  });

  it('fails with a named error, not a stack overflow, on 100,000 nested elements in a description', async () => {
    // Prepare: rss-parser re-serialises markup in descriptions recursively.
    const xml = rss(
      `<item><title>t</title><description>${'<div>'.repeat(DEPTH)}x${'</div>'.repeat(DEPTH)}</description></item>`,
    );

    // Act
    const outcome = await ingest(xml).catch((error: unknown) => error);

    // Assess
    if (!Array.isArray(outcome)) expect(outcome).toMatchObject({ code: 'MALFORMED' });
  });

  it('says MALFORMED for 100,000 elements that are never closed', async () => {
    // Act
    const error = await ingestError(rss(`<item><title>t</title>${'<a>'.repeat(DEPTH)}</item>`));

    // Assess
    expect(error).toMatchObject({ code: 'MALFORMED' });
  });

  it(`keeps the first ${MAX_ITEMS_PER_FEED} of 100,000 items`, async () => {
    // Prepare
    const items = Array.from(
      { length: 100_000 },
      (_, index) => `<item><guid>g${index}</guid><title>n${index}</title></item>`,
    ).join('');

    // Act
    const articles = await ingest(rss(items));

    // Assess
    expect(articles).toHaveLength(MAX_ITEMS_PER_FEED);
    expect(articles[0]?.id).toBe('g0');
    expect(articles.at(-1)?.id).toBe(`g${MAX_ITEMS_PER_FEED - 1}`);
  });
});

describe('odd and wrong charsets', () => {
  const JAPANESE = 'ロシアとイランが条約に署名';

  it('decodes Shift_JIS from the Content-Type, invalid bytes becoming U+FFFD', async () => {
    // Prepare: 0x85 0x20 is an unassigned lead byte with a bad trail, 0xA0 is unassigned.
    const [head, tail] = rss(`<item><title>${JAPANESE}@</title></item>`).split('@');
    const body = Buffer.concat([
      iconv.encode(head ?? '', 'shift_jis'),
      Buffer.from([0x85, 0x20, 0xa0]),
      iconv.encode(tail ?? '', 'shift_jis'),
    ]);

    // Act
    const articles = await ingest(body, 'text/xml; charset=shift_jis');

    // Assess
    expect(articles[0]?.title).toBe(`${JAPANESE}\uFFFD \uFFFD`);
  });

  it.each([
    ['an unknown charset', 'text/xml; charset=x-unknown'],
    ['an empty charset', 'text/xml; charset='],
    ['a charset the bytes contradict (UTF-16 on UTF-8 text)', 'text/xml; charset=utf-16'],
    ['a garbled header', 'text/xml; charset="shift_jis'],
  ])('falls back to the XML declaration or UTF-8 on %s', async (_case, contentType) => {
    // Prepare: UTF-8 with one invalid byte sequence.
    const [head, tail] = rss('<item><title>Договор@ратифицирован</title></item>').split('@');
    const body = Buffer.concat([
      Buffer.from(head ?? ''),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(tail ?? ''),
    ]);

    // Act
    const articles = await ingest(body, contentType);

    // Assess
    expect(articles[0]?.title).toBe('Договор\uFFFD(ратифицирован');
  });
});
