/**
 * What an alert says: the channel-neutral message (subject, plain text, filterable attributes)
 * built from one alert, and the one-line form the local runner prints. Publishers (SNS, the local
 * outbox) only carry these values; channel-specific formatting (email, SMS, digests) builds on
 * `AlertMessage` rather than on the raw alert.
 */
import type { Alert } from '../model';

/** SNS rejects subjects of 100 characters or more; we count UTF-16 units, the stricter measure. */
export const SUBJECT_MAX_LENGTH = 99;
export const SUBJECT_PREFIX = '[news-alerts] ';
/** Enough of the summary to judge the article without opening it; cut on a word boundary. */
export const SNIPPET_MAX_LENGTH = 400;
/** Keeps a console line on one screen row or two, whatever the feed put in the title. */
export const CONSOLE_HEADLINE_MAX_LENGTH = 160;
export const ELLIPSIS = '…';
/** Shown when an item has no title, so a subject never ends with the bare prefix. */
export const MISSING_HEADLINE = '(no headline)';

export type AlertKind = 'instant';

export interface AlertMessage {
  alertId: string;
  /** One line, shorter than `SUBJECT_MAX_LENGTH` + 1 characters. */
  subject: string;
  /** Plain text for people: headline, outlet, time, topics and why, snippet, link. */
  text: string;
  /** Values subscribers filter on; `topics` holds topic ids, which are stable, not names. */
  attributes: { topics: string[]; language: string; kind: AlertKind };
}

export function buildAlertMessage(alert: Alert, topicNames: Record<string, string>): AlertMessage {
  const { article } = alert;
  const headline = headlineOf(alert);
  const lines = [
    headline,
    '',
    `Source: ${singleLine(article.source) || 'unknown'}`,
    `Published: ${formatPublished(article.published)}`,
    'Topics:',
    ...alert.matches.map((match) => {
      const terms = unique(match.terms.map(singleLine).filter((term) => term !== ''));
      const why =
        terms.length > 0 ? ` (matched ${terms.map((term) => `"${term}"`).join(', ')})` : '';
      return `- ${topicNameOf(match.topicId, topicNames)}${why}`;
    }),
  ];

  const summary = singleLine(article.summary);
  // Many feeds repeat the title as the description; printing it twice only adds noise.
  if (summary !== '' && summary !== singleLine(article.title)) {
    lines.push('', truncateOnWord(summary, SNIPPET_MAX_LENGTH));
  }
  const link = safeLink(article.link);
  if (link !== undefined) {
    lines.push('', `Link: ${link}`);
  }

  return {
    alertId: alert.id,
    subject: truncateOnWord(`${SUBJECT_PREFIX}${headline}`, SUBJECT_MAX_LENGTH),
    text: lines.join('\n'),
    attributes: {
      topics: unique(alert.matches.map((match) => match.topicId)),
      language: article.language,
      kind: 'instant',
    },
  };
}

/** One console line, e.g. `ALERT [Energy, Finance & trade] TASS: <headline> <link>`. */
export function formatAlertLine(alert: Alert, topicNames: Record<string, string>): string {
  const topics = unique(alert.matches.map((match) => topicNameOf(match.topicId, topicNames)));
  const headline = truncateOnWord(headlineOf(alert), CONSOLE_HEADLINE_MAX_LENGTH);
  const link = safeLink(alert.article.link);
  const source = singleLine(alert.article.source) || 'unknown';
  return `ALERT [${topics.join(', ')}] ${source}: ${headline}${link === undefined ? '' : ` ${link}`}`;
}

/**
 * Shortens text to at most `maxLength` UTF-16 units including the ellipsis, cutting at the last
 * whitespace when there is one (a hard cut otherwise) and never inside a surrogate pair.
 */
export function truncateOnWord(text: string, maxLength: number): string {
  if (text.length <= maxLength) {
    return text;
  }
  let cut = Math.max(0, maxLength - ELLIPSIS.length);
  if (cut > 0 && isHighSurrogate(text.charCodeAt(cut - 1))) {
    cut -= 1;
  }
  let head = text.slice(0, cut);
  const nextIsSpace = /\s/.test(text.charAt(cut));
  if (!nextIsSpace) {
    const lastSpace = head.search(/\s\S*$/);
    if (lastSpace > 0) {
      head = head.slice(0, lastSpace);
    }
  }
  // "word,…" reads worse than "word…".
  return `${head.replace(/[\s,;:.\-–—]+$/u, '')}${ELLIPSIS}`;
}

function headlineOf(alert: Alert): string {
  return singleLine(alert.article.title) || MISSING_HEADLINE;
}

function topicNameOf(topicId: string, topicNames: Record<string, string>): string {
  return singleLine(topicNames[topicId] ?? '') || topicId;
}

/**
 * Feed text is untrusted: line breaks would split a subject (SNS rejects it) or forge lines in
 * the body, escape characters would drive the terminal, and bidi overrides can disguise a link.
 * The zero-width non-joiner, which Persian spelling needs, is kept.
 */
function singleLine(text: string): string {
  return text
    .replace(/[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Only http(s) links reach people; anything else (javascript:, data:, relative) is dropped. */
function safeLink(link: string): string | undefined {
  const trimmed = link.trim();
  if (trimmed === '' || !URL.canParse(trimmed)) {
    return undefined;
  }
  const url = new URL(trimmed);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
}

function formatPublished(published: string): string {
  const time = new Date(published);
  if (Number.isNaN(time.getTime())) {
    return singleLine(published) || 'unknown';
  }
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
