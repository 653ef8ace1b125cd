/**
 * Turns a raw feed item into an `Article`: plain text bounded in size, a link we can trust, a
 * stable id that never depends on the date, a sane published time and one of our languages.
 * Also owns `toPlainText` and `canonicalLink`, which later stages reuse so that every stage reads
 * text and links the same way.
 */
import { decodeHTML } from 'entities';
import { contentHash } from '../ids';
import type { Article, FeedConfig, Language } from '../model';
import type { RawFeedItem } from './parse-feed';

/** Caps keep a stored article far below DynamoDB's 400 KB item limit. */
export const MAX_TITLE_LENGTH = 500;
export const MAX_SUMMARY_LENGTH = 2_000;
/** GUIDs longer than this are hashed, so keys and logs stay short. */
const MAX_GUID_LENGTH = 300;
/**
 * Longer links are not stored (the item keeps its text, without a link). 2,048 is the sitemap
 * protocol's limit; without a cap a link would be the one field of unbounded size.
 */
export const MAX_LINK_LENGTH = 2_048;

/** Dates before this are wrong (epoch zero, two-digit years), not old news. */
const EARLIEST_PUBLISHED = Date.UTC(1995, 0, 1);
const ALLOWED_FUTURE_MS = 24 * 60 * 60 * 1000;

/** Elements whose content is never text a reader sees. */
const INVISIBLE_ELEMENTS = new Set(['script', 'style', 'noscript', 'template', 'head', 'title']);

/** Elements that separate words: dropping them must leave a space, unlike `<b>` or `<span>`. */
const BLOCK_ELEMENTS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'img',
  'li',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'td',
  'th',
  'tr',
  'ul',
]);

/**
 * Controls (C0, DEL, C1) become spaces. Invisible characters are removed: zero-width space and
 * joiner, word joiner, BOM, soft hyphen, bidi marks, embeddings, overrides and isolates, and
 * lone surrogates. ZWNJ (U+200C) is kept: Persian spelling needs it (e.g. "می‌شود").
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/g;
// With the `u` flag a surrogate range matches only unpaired halves. ZWJ stands apart because a
// joiner inside a character class reads as a joined sequence.
const INVISIBLE_CHARACTERS =
  /\u200D|[\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB\uD800-\uDFFF]/gu;

/** Query parameters that only say how a reader arrived, never which page they read. */
const TRACKING_PARAMETERS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'ysclid',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  'ref',
  'ref_src',
  'cmpid',
  'igshid',
  'xtor',
  'ocid',
  'mkt_tok',
  '_hsenc',
  '_hsmi',
]);
/** Families: Google (utm_), AT Internet (at_, used by the BBC), comScore (ns_). */
const TRACKING_PREFIXES = ['utm_', 'at_', 'ns_'];

/** Zones our feeds use that `Date.parse` does not know: Moscow and Iran. */
const ZONE_OFFSETS: Record<string, string> = {
  MSK: '+0300',
  MSD: '+0400',
  IRST: '+0330',
  IRDT: '+0430',
};

const LANGUAGE_NAMES: Record<string, Language> = {
  en: 'en',
  eng: 'en',
  english: 'en',
  ru: 'ru',
  rus: 'ru',
  russian: 'ru',
  fa: 'fa',
  fas: 'fa',
  per: 'fa',
  farsi: 'fa',
  persian: 'fa',
};

/** The index just past the `>` that ends a tag opened at `start`; quoted values may hold `>`. */
function endOfTag(html: string, start: number): number {
  let quote: string | undefined;
  for (let index = start; index < html.length; index++) {
    const char = html[index];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if ((char === '"' || char === "'") && html[index - 1] === '=') {
      quote = char;
    } else if (char === '>') {
      return index + 1;
    }
  }
  return html.length;
}

const TAG_NAME = /<(\/?)([A-Za-z][A-Za-z0-9:-]*)/y;

/**
 * Removes markup, keeping the text a reader would see. A linear scan rather than one regular
 * expression, so hostile HTML (thousands of unclosed `<`) cannot make it quadratic; a `<` that
 * opens no tag ("a < b") stays as text.
 */
function stripTags(html: string): string {
  const out: string[] = [];
  let position = 0;
  while (position < html.length) {
    const open = html.indexOf('<', position);
    if (open < 0) break;
    out.push(html.slice(position, open));
    if (html.startsWith('<!--', open)) {
      const end = html.indexOf('-->', open + 4);
      position = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html.startsWith('<![CDATA[', open)) {
      const end = html.indexOf(']]>', open + 9);
      out.push(html.slice(open + 9, end < 0 ? html.length : end));
      position = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html.startsWith('<!', open) || html.startsWith('<?', open)) {
      position = endOfTag(html, open + 2);
      continue;
    }
    TAG_NAME.lastIndex = open;
    const tag = TAG_NAME.exec(html);
    if (!tag?.[2]) {
      out.push('<');
      position = open + 1;
      continue;
    }
    const name = tag[2].toLowerCase();
    position = endOfTag(html, open + tag[0].length);
    if (!tag[1] && INVISIBLE_ELEMENTS.has(name)) {
      const close = new RegExp(`</${name}\\s*>`, 'gi');
      close.lastIndex = position;
      const end = close.exec(html);
      position = end ? end.index + end[0].length : html.length;
      out.push(' ');
      continue;
    }
    out.push(BLOCK_ELEMENTS.has(name) ? ' ' : '');
  }
  out.push(html.slice(position));
  return out.join('');
}

/**
 * Plain text of an HTML fragment (or of text that may hold entities): tags removed with the
 * contents of script/style, entities decoded, controls and invisible characters removed,
 * whitespace folded to single spaces, trimmed.
 */
export function toPlainText(html: string): string {
  const text = decodeHTML(stripTags(html));
  return text
    .replace(CONTROL_CHARACTERS, ' ')
    .replace(INVISIBLE_CHARACTERS, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Cuts text to at most `max` characters, at a word boundary when one is near, ending with "…".
 * Never splits a surrogate pair.
 */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const lastSpace = cut.lastIndexOf(' ');
  if (lastSpace > max * 0.6) cut = cut.slice(0, lastSpace);
  else if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

function isTrackingParameter(name: string): boolean {
  const lower = name.toLowerCase();
  return TRACKING_PARAMETERS.has(lower) || TRACKING_PREFIXES.some((p) => lower.startsWith(p));
}

function parameterName(pair: string): string {
  const name = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * The identity of a link: without tracking parameters and fragment, host lower-cased, default
 * port dropped (the URL parser does those two). Other parameters keep their order and encoding.
 * Returns '' for anything that is not an absolute http(s) URL.
 */
export function canonicalLink(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return '';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return '';
  parsed.hash = '';
  const kept = parsed.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !isTrackingParameter(parameterName(pair)));
  parsed.search = kept.length > 0 ? `?${kept.join('&')}` : '';
  return parsed.href;
}

/**
 * An absolute http(s) link, relative ones resolved against the feed's URL; else ''. Links with a
 * user name or password are refused too: `https://bank.example@evil.example/` reads as the bank's
 * address to a person, and alert messages refuse them anyway.
 */
function trustedLink(link: string | undefined, base: string): string {
  if (!link) return '';
  let resolved: URL;
  try {
    resolved = new URL(link.trim(), base);
  } catch {
    return '';
  }
  if (resolved.protocol !== 'http:' && resolved.protocol !== 'https:') return '';
  if (resolved.username !== '' || resolved.password !== '') return '';
  return resolved.href;
}

/**
 * The item's time in ms, or undefined. Knows the Moscow and Iran zone abbreviations. A bare
 * number is no date: V8 reads "0" as 2000-01-01, "12" as December 2001 and "2025" as New Year.
 */
function parseDate(raw: string | undefined): number | undefined {
  if (!raw || /^\s*[+-]?\d+\s*$/.test(raw)) return undefined;
  const text = raw
    .trim()
    .replace(/\b(MSK|MSD|IRST|IRDT)\b/i, (zone) => ZONE_OFFSETS[zone.toUpperCase()] ?? zone);
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

function publishedTime(raw: string | undefined, seenAt: Date): string {
  const time = parseDate(raw);
  const trusted =
    time !== undefined &&
    time >= EARLIEST_PUBLISHED &&
    time <= seenAt.getTime() + ALLOWED_FUTURE_MS;
  return trusted ? new Date(time).toISOString() : seenAt.toISOString();
}

/** `ru-RU`, `fa_IR`, `en-us`, `Persian` … to one of ours, else undefined. */
export function normaliseLanguage(tag: string | undefined): Language | undefined {
  const primary = tag
    ?.trim()
    .toLowerCase()
    .split(/[-_\s]/, 1)[0];
  return primary ? LANGUAGE_NAMES[primary] : undefined;
}

function stableId(guid: string | undefined, link: string, parts: readonly string[]): string {
  const trimmed = guid?.trim();
  if (trimmed) return trimmed.length > MAX_GUID_LENGTH ? contentHash(trimmed) : trimmed;
  const canonical = canonicalLink(link);
  if (canonical) return canonical.length > MAX_LINK_LENGTH ? contentHash(canonical) : canonical;
  return contentHash(...parts);
}

/**
 * Normalises one raw item of `feed`, first seen at `seenAt`. Pure: the same input always gives
 * the same article, which is what keeps ids and keys stable across polls and re-runs.
 */
export function normaliseItem(raw: RawFeedItem, feed: FeedConfig, seenAt: Date): Article {
  const title = truncate(toPlainText(raw.title ?? ''), MAX_TITLE_LENGTH);
  const summary = truncate(toPlainText(raw.summaryHtml ?? ''), MAX_SUMMARY_LENGTH);
  const link = trustedLink(raw.link, feed.url);
  return {
    // The id reads the whole link, so an item whose link is too long to store keeps its own id.
    id: stableId(raw.guid, link, [feed.id, title, summary]),
    feedId: feed.id,
    source: feed.name,
    title,
    summary,
    link: link.length > MAX_LINK_LENGTH ? '' : link,
    published: publishedTime(raw.published, seenAt),
    firstSeen: seenAt.toISOString(),
    language: normaliseLanguage(raw.language) ?? feed.language,
  };
}
