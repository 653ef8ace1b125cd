/**
 * Parses the text of an RSS 0.9x/2.0, RSS 1.0 (RDF) or Atom feed into raw items. Owns what stands
 * between real-world feeds and rss-parser: the clean-up that keeps one stray `&`, an HTML entity
 * or a control character from losing a whole feed, the removal of DOCTYPEs (no entity expansion,
 * no external entities), the sorting of failures into `FeedParseError` codes, and the item cap.
 */
import { decodeHTMLStrict } from 'entities';
import Parser from 'rss-parser';
import { FeedParseError } from './errors';
import { feedHintMs } from './poll-schedule';

/**
 * Items kept per feed, first in document order (feeds list the newest first): a feed carrying
 * more is an archive, not news, and one hostile feed cannot flood the matcher and the tables.
 */
export const MAX_ITEMS_PER_FEED = 200;

/** One item as the feed wrote it: strings straight from the XML, not yet trusted. */
export interface RawFeedItem {
  guid?: string;
  link?: string;
  title?: string;
  /** The richest body the item has (content:encoded, content, description or summary). */
  summaryHtml?: string;
  /** The date as written (RFC 822, ISO 8601, …); parsed and checked by `normaliseItem`. */
  published?: string;
  /** The item's declared language, else the feed's. */
  language?: string;
}

export interface ParsedFeed {
  title?: string;
  language?: string;
  /** How long the feed asks to be left alone (RSS `<ttl>`, `sy:updatePeriod`), in ms. */
  refreshHintMs?: number;
  items: RawFeedItem[];
}

/** Fields read beyond rss-parser's defaults (see `customFields` below). */
interface FeedExtras {
  language?: unknown;
  'dc:language'?: unknown;
  ttl?: unknown;
  'sy:updatePeriod'?: unknown;
  'sy:updateFrequency'?: unknown;
}

interface ItemExtras {
  /** The raw `<guid>` elements, to read `isPermaLink`, which rss-parser drops. */
  guidElements?: unknown;
  id?: unknown;
  'rdf:about'?: unknown;
  date?: unknown;
  language?: unknown;
  summary?: unknown;
  'content:encoded'?: unknown;
  /** Atom 0.3 dates. */
  issued?: unknown;
  modified?: unknown;
  /** Set by rss-parser when the feed declares the iTunes namespace (podcasts). */
  itunes?: { summary?: unknown };
}

// `defaultRSS: 2` makes `<rss>` without a version parse as RSS 2.0 instead of being rejected.
// One parser for the module: parseString runs synchronously inside its promise, so calls never
// interleave on the shared xml2js instance.
const parser = new Parser<FeedExtras, ItemExtras>({
  defaultRSS: 2,
  customFields: {
    feed: ['dc:language', 'ttl', 'sy:updatePeriod', 'sy:updateFrequency'],
    item: [['guid', 'guidElements', { keepArray: true }], 'issued', 'modified'],
  },
});

/**
 * rss-parser keeps one xml2js parser, and xml2js lets a document that errs after its root closed
 * (trailing text) flag the state of the next parse: that document's first XML error is then
 * ignored. Resetting before each parse keeps every result independent of the feed parsed before.
 * `xmlParser` is internal to rss-parser, hence the guarded access.
 */
function resetSharedXmlParser(): void {
  const internal = parser as unknown as { xmlParser?: { reset?: () => void } };
  internal.xmlParser?.reset?.();
}

const XML_PREDEFINED_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** The part of an entity reference after `&`, when it is well formed. */
const ENTITY_BODY = /#[0-9]{1,8};|#[xX][0-9a-fA-F]{1,8};|[A-Za-z][A-Za-z0-9]{0,31};/y;

/**
 * C0 controls but tab, LF, CR; DEL and C1 controls; non-characters; lone surrogates (with the
 * `u` flag a surrogate range matches only unpaired halves).
 */
const FORBIDDEN_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

/** Characters that say "these bytes are not text": controls and decoding replacements. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const BINARY_MARKERS = /[\u0000-\u0008\u000E-\u001A\u001C-\u001F\uFFFD]/g;

const FEED_ROOTS = new Set(['rss', 'feed', 'rdf']);

function isXmlCharacter(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

function numericReferences(text: string): string {
  return [...text].map((char) => `&#${char.codePointAt(0)};`).join('');
}

/**
 * Rewrites one entity reference (the text after `&`) into one the strict XML parser accepts
 * without expanding anything it was not told about: HTML names become numeric references,
 * unknown names (including any a removed DOCTYPE declared) and stray `&` become literal text.
 */
function rewriteEntity(body: string | undefined): string {
  if (body === undefined) return '&amp;';
  if (body.startsWith('#')) {
    const hex = body[1] === 'x' || body[1] === 'X';
    const codePoint = Number.parseInt(body.slice(hex ? 2 : 1, -1), hex ? 16 : 10);
    // HTML reads &#128;–&#159; as windows-1252 (&#150; is an en dash), as feeds mean them.
    if (codePoint >= 0x80 && codePoint <= 0x9f) {
      const decoded = decodeHTMLStrict(`&${body}`);
      return isXmlCharacter(decoded.codePointAt(0) ?? 0) ? numericReferences(decoded) : '';
    }
    if (codePoint === 0x7f || (codePoint < 0x20 && !isXmlCharacter(codePoint))) return '';
    return isXmlCharacter(codePoint) ? `&${body}` : '&#xFFFD;';
  }
  const name = body.slice(0, -1);
  if (XML_PREDEFINED_ENTITIES.has(name)) return `&${body}`;
  const decoded = decodeHTMLStrict(`&${body}`);
  return decoded === `&${body}` ? `&amp;${body}` : numericReferences(decoded);
}

/**
 * Escapes what would make the strict XML parser give up on the whole feed: stray `&` and entity
 * names XML does not know. CDATA sections and comments are copied as they are. A hand scan with
 * `indexOf` keeps it linear on hostile input (an unterminated CDATA simply runs to the end).
 */
function sanitiseEntities(xml: string): string {
  const out: string[] = [];
  const next = /<!\[CDATA\[|<!--|&/g;
  let position = 0;
  for (;;) {
    next.lastIndex = position;
    const found = next.exec(xml);
    if (!found) break;
    out.push(xml.slice(position, found.index));
    if (found[0] === '&') {
      ENTITY_BODY.lastIndex = found.index + 1;
      const body = ENTITY_BODY.exec(xml)?.[0];
      out.push(rewriteEntity(body));
      position = found.index + 1 + (body?.length ?? 0);
    } else {
      const terminator = found[0] === '<!--' ? '-->' : ']]>';
      const end = xml.indexOf(terminator, found.index + found[0].length);
      position = end < 0 ? xml.length : end + terminator.length;
      out.push(xml.slice(found.index, position));
    }
  }
  out.push(xml.slice(position));
  return out.join('');
}

/** The index just past a DOCTYPE that starts at `start`, skipping quoted text and `[...]`. */
function endOfDoctype(xml: string, start: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let index = start; index < xml.length; index++) {
    const char = xml[index];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '[') {
      depth++;
    } else if (char === ']') {
      depth = Math.max(0, depth - 1);
    } else if (char === '>' && depth === 0) {
      return index + 1;
    }
  }
  return -1;
}

interface Prolog {
  /** The document with any DOCTYPE cut out. */
  xml: string;
  /** Local name of the root element, lower-cased. */
  root: string;
  /** Index of the root element's `<` in `xml`. */
  rootStart: number;
}

/**
 * Walks the prolog (declaration, processing instructions, comments, DOCTYPE) up to the root
 * element. The DOCTYPE is removed whatever it holds: internal-subset entities are how
 * billion-laughs and XXE work, and feeds have no use for them.
 */
function readProlog(xml: string): Prolog {
  // Kept text is collected in pieces: re-slicing the whole document per DOCTYPE would be
  // quadratic on a prolog of thousands of them.
  const kept: string[] = [];
  let keptFrom = 0;
  let removed = 0;
  let position = 0;
  for (;;) {
    while (position < xml.length && /\s/.test(xml[position] ?? '')) position++;
    if (position >= xml.length) {
      throw new FeedParseError('MALFORMED', 'no root element');
    }
    if (xml.startsWith('<?', position) || xml.startsWith('<!--', position)) {
      const terminator = xml.startsWith('<?', position) ? '?>' : '-->';
      const end = xml.indexOf(terminator, position + 2);
      if (end < 0) throw new FeedParseError('MALFORMED', 'unterminated prolog markup');
      position = end + terminator.length;
      continue;
    }
    if (/^<!DOCTYPE/i.test(xml.slice(position, position + 9))) {
      const end = endOfDoctype(xml, position);
      if (end < 0) throw new FeedParseError('MALFORMED', 'unterminated DOCTYPE');
      kept.push(xml.slice(keptFrom, position));
      removed += end - position;
      keptFrom = end;
      position = end;
      continue;
    }
    const tag = /^<([A-Za-z_][\w.:-]*)/.exec(xml.slice(position, position + 200));
    if (!tag?.[1]) {
      throw new FeedParseError('NOT_A_FEED', 'the document does not start with an element');
    }
    const name = tag[1].toLowerCase();
    kept.push(xml.slice(keptFrom));
    return {
      xml: kept.join(''),
      root: name.slice(name.indexOf(':') + 1),
      rootStart: position - removed,
    };
  }
}

/** `xml:lang` on the root start tag: how Atom feeds usually state their language. */
function rootLanguage(xml: string, rootStart: number): string | undefined {
  const end = xml.indexOf('>', rootStart);
  const startTag = xml.slice(rootStart, end < 0 ? rootStart + 2000 : end);
  return /\sxml:lang\s*=\s*["']([^"']*)["']/.exec(startTag)?.[1]?.trim() || undefined;
}

interface PreparedFeed {
  xml: string;
  language?: string;
}

/** Turns text into something rss-parser can read, or says why it is not a feed. */
function prepare(text: string): PreparedFeed {
  let xml = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (xml.trim() === '') throw new FeedParseError('EMPTY', 'the body is empty');

  const head = xml.slice(0, 1024);
  const markers = head.match(BINARY_MARKERS)?.length ?? 0;
  if (markers > 8 && markers > head.length / 20) {
    throw new FeedParseError('NOT_A_FEED', 'the body is binary, not text');
  }
  xml = xml.replace(FORBIDDEN_CHARACTERS, '').trimStart();

  if (!xml.startsWith('<')) {
    if (xml.startsWith('{') || xml.startsWith('[')) {
      throw new FeedParseError('NOT_A_FEED', 'the body is JSON, not XML');
    }
    // Servers sometimes print a warning before the document; the declaration can only come first.
    const declaration = xml.slice(0, 1024).indexOf('<?xml');
    if (declaration < 0) throw new FeedParseError('NOT_A_FEED', 'the body is not XML');
    xml = xml.slice(declaration);
  }

  const prolog = readProlog(xml);
  if (prolog.root === 'html') {
    throw new FeedParseError('NOT_A_FEED', 'the body is an HTML page');
  }
  if (!FEED_ROOTS.has(prolog.root)) {
    throw new FeedParseError('NOT_A_FEED', `the root element <${prolog.root}> is not RSS/Atom/RDF`);
  }
  // rss-parser fails on these with a bare TypeError; say what is missing instead.
  if (prolog.root !== 'feed' && !/<(?:[\w.-]+:)?channel[\s>/]/.test(prolog.xml)) {
    throw new FeedParseError('MALFORMED', `<${prolog.root}> without a <channel>`);
  }
  return {
    xml: sanitiseEntities(prolog.xml),
    language: rootLanguage(prolog.xml, prolog.rootStart),
  };
}

/** Inline XHTML elements whose text is code, not words. */
const CODE_ELEMENTS = new Set(['$', 'script', 'style']);

/**
 * The text of a value xml2js produced: a string, `{ _: text, $: attributes }`, or child elements
 * (an Atom `type="xhtml"` title). Depth is bounded so a hostile nesting cannot exhaust the stack.
 */
function textOf(value: unknown, depth = 0): string {
  if (typeof value === 'string') return value;
  if (depth > 32 || value === null || typeof value !== 'object') return '';
  if (Array.isArray(value)) return value.map((part) => textOf(part, depth + 1)).join(' ');
  return Object.entries(value)
    .filter(([key]) => !CODE_ELEMENTS.has(key.slice(key.indexOf(':') + 1)))
    .map(([, part]) => textOf(part, depth + 1))
    .join(' ');
}

/** A trimmed, non-empty string, else undefined. */
function stringOf(value: unknown): string | undefined {
  const text = textOf(value).trim();
  return text === '' ? undefined : text;
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) {
    const text = stringOf(value);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** RSS 2.0: a `<guid>` is a permalink unless it says `isPermaLink="false"`. */
function guidIsPermaLink(guidElements: unknown): boolean {
  const element: unknown = Array.isArray(guidElements) ? guidElements[0] : undefined;
  if (element === null || typeof element !== 'object') return true;
  const attributes = (element as { $?: Record<string, unknown> }).$;
  return (
    String(attributes?.isPermaLink ?? 'true')
      .trim()
      .toLowerCase() !== 'false'
  );
}

type ParsedItem = Parser.Item & ItemExtras;

function toRawItem(item: ParsedItem, feedLanguage: string | undefined): RawFeedItem {
  const guid = firstString(item.guid, item.id, item['rdf:about']);
  const link =
    stringOf(item.link) ??
    (guid && /^https?:\/\//i.test(guid) && guidIsPermaLink(item.guidElements) ? guid : undefined);
  return {
    guid,
    link,
    title: stringOf(item.title),
    summaryHtml: firstString(
      item['content:encoded'],
      item.content,
      item.summary,
      item.itunes?.summary,
    ),
    published: firstString(item.pubDate, item.date, item.issued, item.modified),
    language: stringOf(item.language) ?? feedLanguage,
  };
}

function classify(error: unknown): FeedParseError {
  if (error instanceof FeedParseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/not recognized as RSS/i.test(message)) {
    // A feed root with a namespace prefix (`<r:rss>`, `<a:feed>`), which rss-parser cannot read.
    return new FeedParseError('NOT_A_FEED', `unsupported feed dialect: ${message}`, {
      cause: error,
    });
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    // rss-parser reading a structure it does not expect (`<rss:channel>`, an invalid Atom date).
    return new FeedParseError('MALFORMED', `unreadable feed structure: ${message}`, {
      cause: error,
    });
  }
  // XML syntax errors from sax: the first line names the problem, the rest the position.
  return new FeedParseError('MALFORMED', message.split('\n')[0] ?? message, { cause: error });
}

/**
 * Parses a feed. Throws `FeedParseError`: EMPTY for a blank body, NOT_A_FEED for HTML, JSON,
 * binary or XML of another kind, MALFORMED for XML the parser cannot read.
 */
export async function parseFeed(xml: string): Promise<ParsedFeed> {
  try {
    const prepared = prepare(xml);
    resetSharedXmlParser();
    const output = await parser.parseString(prepared.xml);
    const language = firstString(output.language, output['dc:language']) ?? prepared.language;
    const items = (output.items ?? []).slice(0, MAX_ITEMS_PER_FEED);
    return {
      title: stringOf(output.title),
      language,
      refreshHintMs: feedHintMs({
        ttlMinutes: stringOf(output.ttl),
        updatePeriod: stringOf(output['sy:updatePeriod']),
        updateFrequency: stringOf(output['sy:updateFrequency']),
      }),
      items: items.map((item) => toRawItem(item, language)),
    };
  } catch (error) {
    throw classify(error);
  }
}
