import { describe, expect, it } from 'vitest';
import { FeedParseError } from '../../functions/core/feeds/errors';
import { MAX_ITEMS_PER_FEED, parseFeed } from '../../functions/core/feeds/parse-feed';

const rss = (items: string, attributes = ' version="2.0"'): string =>
  `<?xml version="1.0" encoding="UTF-8"?>
<rss${attributes} xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>TASS</title>
    <language>ru-RU</language>
    ${items}
  </channel>
</rss>`;

const item = (title: string, extra = ''): string =>
  `<item><title>${title}</title><link>https://tass.ru/politika/1</link>${extra}</item>`;

async function parseError(xml: string): Promise<FeedParseError> {
  const error = await parseFeed(xml).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FeedParseError);
  return error as FeedParseError;
}

describe('parseFeed', () => {
  it('reads an RSS 2.0 item with guid, date, content:encoded and the channel language', async () => {
    // Prepare
    const xml = rss(
      item(
        'Россия и Иран подписали договор',
        `<guid isPermaLink="false">tass-123</guid>
         <pubDate>Fri, 17 Jan 2025 10:30:00 +0300</pubDate>
         <description>Short</description>
         <content:encoded><![CDATA[<p>Long <b>body</b></p>]]></content:encoded>`,
      ),
    );

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.title).toBe('TASS');
    expect(feed.language).toBe('ru-RU');
    expect(feed.items).toEqual([
      {
        guid: 'tass-123',
        link: 'https://tass.ru/politika/1',
        title: 'Россия и Иран подписали договор',
        summaryHtml: '<p>Long <b>body</b></p>',
        published: 'Fri, 17 Jan 2025 10:30:00 +0300',
        language: 'ru-RU',
      },
    ]);
  });

  it('takes a permalink guid as the link when the item has no <link>', async () => {
    // Prepare
    const xml = rss('<item><title>t</title><guid>https://en.irna.ir/news/85</guid></item>');

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items[0]?.link).toBe('https://en.irna.ir/news/85');
  });

  it('reads an Atom entry with its id as guid and the root xml:lang', async () => {
    // Prepare
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fa-IR">
  <title>ایرنا</title>
  <entry>
    <id>tag:irna.ir,2025:85001</id>
    <title type="html">&lt;b&gt;پیمان&lt;/b&gt; راهبردی</title>
    <link rel="alternate" href="https://www.irna.ir/news/85001"/>
    <published>2025-01-17T07:00:00Z</published>
    <summary>خلاصه</summary>
    <content type="html">&lt;p&gt;متن کامل&lt;/p&gt;</content>
  </entry>
</feed>`;

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.language).toBe('fa-IR');
    expect(feed.items).toEqual([
      {
        guid: 'tag:irna.ir,2025:85001',
        link: 'https://www.irna.ir/news/85001',
        title: '<b>پیمان</b> راهبردی',
        summaryHtml: '<p>متن کامل</p>',
        published: '2025-01-17T07:00:00.000Z',
        language: 'fa-IR',
      },
    ]);
  });

  it('reads an RSS 1.0 (RDF) item with its dc:date and dc:language', async () => {
    // Prepare
    const xml = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.org/"><title>RDF news</title></channel>
  <item rdf:about="https://example.org/a">
    <title>Treaty signed</title>
    <link>https://example.org/a</link>
    <description>Text</description>
    <dc:date>2025-01-17T10:00:00Z</dc:date>
    <dc:language>en</dc:language>
  </item>
</rdf:RDF>`;

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items).toEqual([
      {
        guid: 'https://example.org/a',
        link: 'https://example.org/a',
        title: 'Treaty signed',
        summaryHtml: 'Text',
        published: '2025-01-17T10:00:00Z',
        language: 'en',
      },
    ]);
  });

  it('reads <rss> without a version as RSS 2.0', async () => {
    // Prepare
    const xml = rss(item('No version'), '');

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items.map((entry) => entry.title)).toEqual(['No version']);
  });

  it('keeps the feed when one link holds a stray &', async () => {
    // Prepare
    const xml = rss(
      '<item><title>Tom & Jerry</title><link>https://example.org/?a=1&b=2</link></item>',
    );

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items[0]).toMatchObject({
      title: 'Tom & Jerry',
      link: 'https://example.org/?a=1&b=2',
    });
  });

  it('reads HTML named entities XML does not know, such as &nbsp; &mdash; &laquo;', async () => {
    // Prepare
    const xml = rss(item('&laquo;Договор&raquo;&nbsp;&mdash; подписан &amp; ratified'));

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items[0]?.title).toBe('«Договор»\u00a0— подписан & ratified');
  });

  it('leaves CDATA sections untouched by the entity clean-up', async () => {
    // Prepare
    const xml = rss(item('t', '<description><![CDATA[a &amp; b & c]]></description>'));

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items[0]?.summaryHtml).toBe('a &amp; b & c');
  });

  it('strips control characters the XML parser would reject or pass through', async () => {
    // Prepare
    const xml = rss(item('Iran\u0000 and\u0007 Russia\u0085 sign\u001b'));

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items[0]?.title).toBe('Iran and Russia sign');
  });

  it('does not expand billion-laughs entities from a DOCTYPE', async () => {
    // Prepare
    const lol = Array.from(
      { length: 9 },
      (_, level) => `<!ENTITY lol${level + 1} "${`&lol${level};`.repeat(10)}">`,
    ).join('\n');
    const xml = `<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol0 "lol">
  ${lol}
]>
${rss(item('&lol9;')).replace(/^<\?xml[^>]*>/, '')}`;

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items[0]?.title).toBe('&lol9;');
  });

  it('does not read files named by an external entity (XXE)', async () => {
    // Prepare
    const xml = `<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
${rss(item('leak: &xxe;')).replace(/^<\?xml[^>]*>/, '')}`;

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items[0]?.title).toBe('leak: &xxe;');
  });

  it('reads the root xml:lang of an Atom feed that follows a DOCTYPE', async () => {
    // Prepare
    const xml = `<?xml version="1.0"?>
<!DOCTYPE feed [ <!ENTITY copy "(c)"> ]>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ru"><title>РИА</title>
  <entry><id>ria-1</id><title>Договор &copy;</title></entry>
</feed>`;

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.language).toBe('ru');
    expect(feed.items[0]).toMatchObject({ guid: 'ria-1', title: 'Договор ©', language: 'ru' });
  });

  it('skips a server warning printed before the XML declaration', async () => {
    // Prepare
    const xml = `Warning: Undefined variable $x in feed.php on line 3\n${rss(item('After the warning'))}`;

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(feed.items[0]?.title).toBe('After the warning');
  });

  it('says NOT_A_FEED for an HTML page', async () => {
    // Prepare
    const html = '<!DOCTYPE html>\n<html><head><title>Home</title></head><body><p>Hi</body></html>';

    // Act
    const error = await parseError(html);

    // Assess
    expect(error.code).toBe('NOT_A_FEED');
  });

  it('says NOT_A_FEED for JSON', async () => {
    // Prepare
    const json = '{"version":"https://jsonfeed.org/version/1.1","items":[]}';

    // Act
    const error = await parseError(json);

    // Assess
    expect(error.code).toBe('NOT_A_FEED');
  });

  it('says NOT_A_FEED for XML of another kind', async () => {
    // Prepare
    const xml = '<?xml version="1.0"?><sitemap><url>https://example.org/</url></sitemap>';

    // Act
    const error = await parseError(xml);

    // Assess
    expect(error.code).toBe('NOT_A_FEED');
  });

  it('says NOT_A_FEED for binary content', async () => {
    // Prepare
    const binary = `\u001f\uFFFD\u0008\u0000${'\uFFFD\u0001\u0002'.repeat(100)}`;

    // Act
    const error = await parseError(binary);

    // Assess
    expect(error.code).toBe('NOT_A_FEED');
  });

  it.each(['', '   \n\t  ', '\uFEFF'])('says EMPTY for a blank body %j', async (body) => {
    // Act
    const error = await parseError(body);

    // Assess
    expect(error.code).toBe('EMPTY');
  });

  it('says MALFORMED for broken XML', async () => {
    // Prepare
    const xml = rss('<item><title>Unclosed</item>');

    // Act
    const error = await parseError(xml);

    // Assess
    expect(error.code).toBe('MALFORMED');
  });

  it('says MALFORMED, not a raw TypeError, for <rss> without a <channel>', async () => {
    // Prepare
    const xml = '<rss version="2.0"><item><title>orphan</title></item></rss>';

    // Act
    const error = await parseError(xml);

    // Assess
    expect(error.code).toBe('MALFORMED');
  });

  it('parses each feed independently of a broken one parsed before', async () => {
    // Prepare
    const trailingText = `${rss(item('first'))}trailing text`;
    const mismatchedTags = rss('<item><title>second<b></title></item>');
    await parseFeed(trailingText).catch(() => undefined);

    // Act
    const error = await parseError(mismatchedTags);

    // Assess
    expect(error.code).toBe('MALFORMED');
  });

  it('keeps the newest 200 items of a feed of 1,000: the first 200 in document order', async () => {
    // Prepare
    const items = Array.from({ length: 1_000 }, (_, index) => item(`n${index}`));
    const xml = rss(items.join('\n'));

    // Act
    const feed = await parseFeed(xml);

    // Assess
    expect(MAX_ITEMS_PER_FEED).toBe(200);
    expect(feed.items).toHaveLength(200);
    expect(feed.items[0]?.title).toBe('n0');
    expect(feed.items.at(-1)?.title).toBe('n199');
  });
});
