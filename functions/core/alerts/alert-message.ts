/**
 * What an alert says, per channel, as SNS messages with `MessageStructure: 'json'`:
 * `buildSnsMessage` for one story (an email that reads well in a mail client, an SMS of exactly
 * one segment with the link, a short `default`), `buildDigestMessage` for the stories of a period,
 * and `buildFloodNotice` for the SMS that says further alerts wait for the digest. Every message
 * is kept within the SNS limits, and its attributes are checked against the SNS rules.
 * Feed text is untrusted throughout: it is made single-line, stripped of control, bidi-override
 * and markup characters, and links other than http(s) never reach a reader.
 */
import type { Language } from '../model';
import {
  countSmsSegments,
  fitSmsToOneSegment,
  isGsm7,
  smsDisplayNamePrefix,
  toGsm7IfPossible,
} from './sms-segments';

/** SNS rejects subjects of 100 characters or more; we count UTF-16 units, the stricter measure. */
export const SUBJECT_MAX_LENGTH = 99;
export const SUBJECT_PREFIX = '[news-alerts] ';
/** Enough of the summary to judge the article without opening it; cut on a word boundary. */
export const SNIPPET_MAX_LENGTH = 400;
export const ELLIPSIS = '…';
/** Shown when an item has no title, so a subject never ends with the bare prefix. */
export const MISSING_HEADLINE = '(no headline)';

/** SNS: one message, subject and attributes included, is at most 256 KiB of UTF-8. */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;
/** SNS: at most 10 attributes reach an SQS subscription with raw message delivery. */
export const MAX_MESSAGE_ATTRIBUTES = 10;
export const MESSAGE_ATTRIBUTE_NAME_MAX_LENGTH = 256;
/** A headline longer than this is a feed's error, not a headline; it would drown the email. */
export const EMAIL_HEADLINE_MAX_LENGTH = 300;
/** Shorter than this, a headline next to a topic label says nothing; the label makes room. */
export const SMS_MIN_HEADLINE_WITH_LABEL = 20;
/** The topic label of an SMS ("Energy:") stays a label, not a sentence. */
export const SMS_TOPIC_LABEL_MAX_LENGTH = 20;
/** Stories listed under one topic of a digest email; the rest are counted. */
export const DIGEST_MAX_STORIES_PER_TOPIC = 50;
export const PRODUCT_NAME = 'news-alerts';
/** Marks an email cut to fit the SNS size limit. */
export const EMAIL_TRUNCATION_MARKER = '\n\n[Message shortened: too long for one notification.]';

const OUTLET_MAX_LENGTH = 100;
const TOPIC_NAME_MAX_LENGTH = 100;
const MAX_TERMS = 20;
const TERM_MAX_LENGTH = 60;
const MAX_OTHER_OUTLETS = 10;
const DEFAULT_SUMMARY_MAX_STORIES = 20;
const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Russian', fa: 'Persian' };

export type AlertPriority = 'normal' | 'high';

/** One story as an alert shows it: what it says, who carried it, and why it matched. */
export interface AlertContent {
  storyId: string;
  headline: string;
  /** Outlet of the copy we link to, e.g. "TASS". */
  outlet: string;
  /** Other outlets that carried the same story. */
  otherOutlets?: string[];
  /** ISO time. */
  published: string;
  /** Matched topics, ids for filtering and names for people, most relevant first. */
  topics: { id: string; name: string }[];
  /** Query terms found in the text. */
  terms: string[];
  /** Summary of the story; cut to `SNIPPET_MAX_LENGTH` on a word. */
  snippet: string;
  /** The story's link; only http(s) is ever shown. May be empty. */
  link: string;
  /** A short form of the link (from a shortener), used in SMS where every character counts. */
  shortLink?: string;
  language: Language;
  /** 'normal' unless said otherwise. */
  priority?: AlertPriority;
}

export interface MessageOptions {
  /** Page where subscribers change or stop their alerts (http(s) only), shown in every email. */
  manageUrl?: string;
  /** Show the `news-alerts subscribe` / `unsubscribe` commands in the email footer. Default true. */
  mentionCli?: boolean;
  /**
   * 'utf-8' (default): the headline as it is, which the SNS Publish API allows ("UTF-8 text with
   * no line breaks or control characters, and less than 100 characters"). 'ascii': for a relay
   * or mail path that mangles non-ASCII subjects; a non-ASCII headline is then replaced by
   * "[news-alerts] Energy: new story from TASS (ru)" made of ASCII-safe parts only.
   */
  subjectCharset?: 'utf-8' | 'ascii';
  /**
   * Display name of the SNS topic the SMS goes through. SNS puts it, upper-cased and followed by
   * "> ", before every SMS of the topic, so it is counted against the one-segment budget.
   */
  smsDisplayName?: string;
}

export interface MessageAttributeValue {
  DataType: 'String' | 'String.Array' | 'Number';
  StringValue: string;
}
export type MessageAttributes = Record<string, MessageAttributeValue>;

/** One Publish (or PublishBatch entry) with `MessageStructure: 'json'`. */
export interface SnsMessage {
  /** The email subject: one line, under 100 characters. */
  subject: string;
  /** JSON object with a string for `default`, `email` and `sms`. */
  message: string;
  /** For subscription filter policies: `topics`, `language`, `kind`, `priority`. */
  attributes: MessageAttributes;
}

/** The per-protocol texts inside `SnsMessage.message`. */
export interface SnsMessageBodies {
  /** Every protocol without a key of its own (SQS, HTTP, Lambda, email-json). */
  default: string;
  email: string;
  sms: string;
}

/**
 * One story as an SNS message with a text per protocol:
 * - `email`: headline, outlet and time (UTC), topics, why it matched, a snippet, the link, and a
 *   footer on how to change or stop the alerts. SNS itself appends to every email-protocol
 *   notification a link that unsubscribes the address from the topic; ours is the finer one;
 * - `sms`: `<topic>: <headline> <link>` in exactly one segment (see `buildSmsText`);
 * - `default`: headline, outlet and link, for every other protocol.
 */
export function buildSnsMessage(content: AlertContent, options: MessageOptions = {}): SnsMessage {
  const story = cleanStory(content);
  const topicNames = story.topics.map((topic) => topic.name);
  const facts = [
    `Outlet: ${story.outlet}`,
    ...(story.otherOutlets.length > 0
      ? [`Also reported by: ${story.otherOutlets.join(', ')}`]
      : []),
    `Published: ${formatPublished(story.published)}`,
    `Language: ${LANGUAGE_NAMES[story.language] ?? story.language}`,
    `Topics: ${topicNames.join(', ') || 'none'}`,
    ...(story.terms.length > 0
      ? [`Why it matched: ${story.terms.map((term) => `"${term}"`).join(', ')}`]
      : []),
  ];
  const body = [story.headline, '', ...facts];
  if (story.snippet !== '') {
    body.push('', story.snippet);
  }
  if (story.link !== undefined) {
    body.push('', `Read the story: ${story.link}`);
  }

  const plain = [`${story.headline} (${story.outlet})`];
  if (story.link !== undefined) {
    plain.push(story.link);
  }

  return toSnsMessage(
    instantSubject(story, options),
    {
      default: plain.join('\n'),
      email: body.join('\n'),
      sms: buildSmsText(content, options),
    },
    emailFooter(topicNames, options),
    {
      topics: stringArray(story.topics.map((topic) => topic.id)),
      language: { DataType: 'String', StringValue: story.language },
      kind: { DataType: 'String', StringValue: 'instant' },
      priority: { DataType: 'String', StringValue: content.priority ?? 'normal' },
    },
  );
}

/**
 * The SMS of one story, exactly one segment whatever the headline: `<topic>: <headline> <link>`
 * within 160 GSM-7 units, or 70 UCS-2 units as soon as one character is outside GSM-7 (every
 * Russian or Persian headline), with the topic's display-name prefix counted. The headline is cut
 * on a word to make room; when that leaves less than `SMS_MIN_HEADLINE_WITH_LABEL` characters the
 * topic label goes first. The link is never cut: `shortLink` is used when given; a link too long
 * for a segment on its own is replaced by its site's address (`https://www.irna.ir/`), the only
 * form that still leads somewhere; configure a shortener to avoid that. No bidi marks are added
 * around a Latin link in a Persian text: phones order the runs by themselves, and an invisible
 * mark would cost a unit we do not have.
 */
export function buildSmsText(content: AlertContent, options: MessageOptions = {}): string {
  const reserved = smsDisplayNamePrefix(cleanText(options.smsDisplayName ?? ''));
  const headline = toGsm7IfPossible(cleanText(content.headline) || MISSING_HEADLINE);
  const firstTopic = content.topics[0];
  const label =
    firstTopic === undefined
      ? ''
      : smsLabel(cleanText(firstTopic.name) || cleanText(firstTopic.id));
  const link = safeLink(content.shortLink) ?? safeLink(content.link);

  const withLink = (tail: string) =>
    fitSmsToOneSegment({
      lead: label,
      text: headline,
      tail,
      reserved,
      minTextLength: SMS_MIN_HEADLINE_WITH_LABEL,
    }) ??
    fitSmsToOneSegment({ text: headline, tail, reserved }) ??
    fitSmsToOneSegment({ text: '', tail, reserved, minTextLength: 0 });

  const sms =
    link === undefined
      ? withLink('')
      : (withLink(link) ??
        withLink(`${new URL(link).origin}/`) ??
        // Only a display name of 150 characters leaves no room for a site address.
        withLink(''));
  return sms === undefined || sms === '' ? PRODUCT_NAME : sms;
}

/** The stories of one period, as one message; the digest of the subscribers' mode. */
export interface DigestContent {
  /** ISO times of the period the digest covers. */
  periodStart: string;
  periodEnd: string;
  stories: readonly AlertContent[];
  /** Where the digest can be read in full (a dashboard), linked from the SMS. */
  link?: string;
  /** A short form of `link` for the SMS. */
  shortLink?: string;
}

export class EmptyDigestError extends Error {
  override readonly name = 'EmptyDigestError';
  constructor() {
    super('a digest needs at least one story; skip the period instead');
  }
}

/**
 * Several stories in one message, grouped by topic: the email has a section per topic (most
 * stories first) listing each story's headline, outlets, time and link, newest first; a story of
 * two topics is listed under both, and counted once in the total. The SMS is one segment:
 * "news-alerts: 7 new stories (Energy 3, Treaty 2, ...) <link>", the topic counts cut from the
 * end when they do not fit. `language` is a String.Array of the languages present: a filter
 * policy's value matches an array that contains it, so a Persian-only subscriber's policy still
 * matches a digest in which Persian stories sit next to others.
 */
export function buildDigestMessage(
  digest: DigestContent,
  options: MessageOptions = {},
): SnsMessage {
  const stories = uniqueBy(digest.stories.map(cleanStory), (story) => story.storyId);
  if (stories.length === 0) {
    throw new EmptyDigestError();
  }
  const sections = digestSections(stories);
  const period = formatPeriod(digest.periodStart, digest.periodEnd);
  const count = storyCount(stories.length);

  const email = [`${PRODUCT_NAME} digest: ${count}, ${period}`];
  for (const section of sections) {
    const heading = `${section.name} (${section.stories.length})`;
    email.push('', heading, '='.repeat(Math.min(heading.length, 60)));
    for (const story of section.stories.slice(0, DIGEST_MAX_STORIES_PER_TOPIC)) {
      const outlets = [story.outlet, ...story.otherOutlets].join(', ');
      email.push('', `* ${story.headline}`, `  ${outlets}, ${formatPublished(story.published)}`);
      if (story.link !== undefined) {
        email.push(`  ${story.link}`);
      }
    }
    const more = section.stories.length - DIGEST_MAX_STORIES_PER_TOPIC;
    if (more > 0) {
      email.push('', `  ... and ${more} more under ${section.name}.`);
    }
  }

  const link = safeLink(digest.link);
  const plain = [`${PRODUCT_NAME} digest: ${count}, ${period}`];
  for (const story of stories.slice(0, DEFAULT_SUMMARY_MAX_STORIES)) {
    plain.push(`- ${story.headline} (${story.outlet})${story.link ? ` ${story.link}` : ''}`);
  }
  if (stories.length > DEFAULT_SUMMARY_MAX_STORIES) {
    plain.push(`- ... and ${stories.length - DEFAULT_SUMMARY_MAX_STORIES} more`);
  }
  if (link !== undefined) {
    plain.push(link);
  }

  const subject = clampSubject(
    `${SUBJECT_PREFIX}Digest: ${count}, ${period}`,
    options.subjectCharset === 'ascii',
  );
  return toSnsMessage(
    subject,
    {
      default: plain.join('\n'),
      email: email.join('\n'),
      sms: digestSms(
        stories.length,
        sections,
        safeLink(digest.shortLink) ?? link,
        smsDisplayNamePrefix(cleanText(options.smsDisplayName ?? '')),
      ),
    },
    emailFooter(
      sections.flatMap((section) => (section.id === undefined ? [] : [section.name])),
      options,
    ),
    {
      topics: stringArray(
        sections.flatMap((section) => (section.id === undefined ? [] : [section.id])),
      ),
      language: stringArray([...new Set(stories.map((story) => story.language))].sort()),
      kind: { DataType: 'String', StringValue: 'digest' },
      priority: { DataType: 'String', StringValue: 'normal' },
    },
  );
}

export interface FloodNoticeInput {
  /** ISO time at which instant alerts resume, normally the end of the hour. */
  resumeAt: string;
  /** A page to change the alerts (http(s)); kept when it fits the segment. */
  link?: string;
  /** The SNS topic's display name, counted as in `MessageOptions`. */
  smsDisplayName?: string;
}

/**
 * The one SMS a subscriber gets when a burst of news passes the hourly cap: further alerts this
 * hour come in the next digest. One GSM-7 segment; the longest of a few wordings that fits.
 */
export function buildFloodNotice(input: FloodNoticeInput): string {
  const reserved = smsDisplayNamePrefix(cleanText(input.smsDisplayName ?? ''));
  const resume = new Date(input.resumeAt);
  const until = Number.isNaN(resume.getTime())
    ? 'the end of the hour'
    : `${resume.toISOString().slice(11, 16)} UTC`;
  const link = safeLink(input.link);
  const full = `${PRODUCT_NAME}: many alerts this hour. Further alerts until ${until} will come in your next digest.`;
  const candidates = [
    ...(link === undefined ? [] : [`${full} ${link}`]),
    full,
    `${PRODUCT_NAME}: alerts until ${until} come in your next digest.`,
    // After a long display name (which already names the service) only a few words fit.
    `Until ${until}, alerts go to your digest.`,
    `Until ${until}: see digest.`,
  ];
  return (
    candidates.find((candidate) => countSmsSegments(`${reserved}${candidate}`).segments <= 1) ??
    PRODUCT_NAME
  );
}

export class InvalidMessageAttributesError extends Error {
  override readonly name = 'InvalidMessageAttributesError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid message attributes: ${problems.join('; ')}`);
  }
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]+$/;
const RESERVED_ATTRIBUTE_PREFIX = /^(aws|amazon)\./i;
/** What SQS accepts in a message, which an attribute must satisfy to reach an SQS subscriber. */
const ATTRIBUTE_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** SNS numbers: within ±10^9, at most 5 decimals. */
const ATTRIBUTE_NUMBER = /^-?\d{1,10}(\.\d{1,5})?$/;

/**
 * What SNS would reject, or drop on the way to an SQS subscriber, in these attributes; empty
 * when they are fine. Names: 1 to 256 of A-Z a-z 0-9 _ - . , not starting with "AWS." or
 * "Amazon." in any case, not starting or ending with a period, no two periods in a row. At most
 * 10 attributes. Values: not empty, XML-safe characters, a JSON array for String.Array, a number
 * within ±10^9 with at most 5 decimals for Number.
 */
export function messageAttributeProblems(attributes: MessageAttributes): string[] {
  const problems: string[] = [];
  const entries = Object.entries(attributes);
  if (entries.length > MAX_MESSAGE_ATTRIBUTES) {
    problems.push(`${entries.length} attributes, more than ${MAX_MESSAGE_ATTRIBUTES}`);
  }
  for (const [name, value] of entries) {
    const shown = JSON.stringify(name.slice(0, 40));
    if (name.length === 0 || name.length > MESSAGE_ATTRIBUTE_NAME_MAX_LENGTH) {
      problems.push(`name ${shown} must be 1 to ${MESSAGE_ATTRIBUTE_NAME_MAX_LENGTH} characters`);
    }
    if (name.length > 0 && !ATTRIBUTE_NAME.test(name)) {
      problems.push(`name ${shown} may hold only letters, digits, "_", "-" and "."`);
    }
    if (RESERVED_ATTRIBUTE_PREFIX.test(name)) {
      problems.push(`name ${shown} starts with a prefix reserved for AWS`);
    }
    if (name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
      problems.push(`name ${shown} starts or ends with a period or has two in a row`);
    }
    problems.push(...attributeValueProblems(shown, value));
  }
  return problems;
}

/** Throws `InvalidMessageAttributesError` listing every problem `messageAttributeProblems` finds. */
export function assertValidMessageAttributes(attributes: MessageAttributes): void {
  const problems = messageAttributeProblems(attributes);
  if (problems.length > 0) {
    throw new InvalidMessageAttributesError(problems);
  }
}

/** UTF-8 bytes SNS counts against its limit: subject, message, attribute names, types, values. */
export function snsPayloadBytes(message: SnsMessage): number {
  let bytes = utf8Bytes(message.subject) + utf8Bytes(message.message);
  for (const [name, value] of Object.entries(message.attributes)) {
    bytes += utf8Bytes(name) + utf8Bytes(value.DataType) + utf8Bytes(value.StringValue);
  }
  return bytes;
}

/**
 * Shortens text to at most `maxLength` UTF-16 units including the ellipsis, cutting at the last
 * whitespace when there is one (a hard cut otherwise) and never inside a surrogate pair.
 */
export function truncateOnWord(text: string, maxLength: number): string {
  return cutOnWord(text, maxLength, ELLIPSIS);
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

/**
 * Only http(s) links reach people; anything else (javascript:, data:, relative) is dropped, and
 * so is a link with credentials, the shape of `https://tass.com@evil.example/` that shows one
 * host and opens another. The result is the normalised ASCII form (non-ASCII percent-encoded,
 * hosts in punycode), which also keeps an SMS in GSM-7.
 */
function safeLink(link: string | undefined): string | undefined {
  const trimmed = (link ?? '').trim();
  if (trimmed === '' || !URL.canParse(trimmed)) {
    return undefined;
  }
  const url = new URL(trimmed);
  if (url.username !== '' || url.password !== '') {
    return undefined;
  }
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

/** `truncateOnWord` with the ellipsis to use: "..." where "…" is not allowed (ASCII subjects). */
function cutOnWord(text: string, maxLength: number, ellipsis: string): string {
  if (text.length <= maxLength) {
    return text;
  }
  let cut = Math.max(0, maxLength - ellipsis.length);
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
  return `${head.replace(/[\s,;:.\-–—]+$/u, '')}${ellipsis}`;
}

/** An `AlertContent` made safe to show: single-line text, capped lengths, http(s) link or none. */
interface CleanStory {
  storyId: string;
  headline: string;
  outlet: string;
  otherOutlets: string[];
  published: string;
  topics: { id: string; name: string }[];
  terms: string[];
  snippet: string;
  link: string | undefined;
  language: Language;
}

function cleanStory(content: AlertContent): CleanStory {
  const headline = truncateOnWord(
    cleanText(content.headline) || MISSING_HEADLINE,
    EMAIL_HEADLINE_MAX_LENGTH,
  );
  const outlet = truncateOnWord(cleanText(content.outlet) || 'unknown', OUTLET_MAX_LENGTH);
  const otherOutlets = unique(
    (content.otherOutlets ?? [])
      .map((name) => truncateOnWord(cleanText(name), OUTLET_MAX_LENGTH))
      .filter((name) => name !== '' && name !== outlet),
  ).slice(0, MAX_OTHER_OUTLETS);
  const snippet = cleanText(content.snippet);
  return {
    storyId: content.storyId,
    headline,
    outlet,
    otherOutlets,
    published: content.published,
    topics: uniqueBy(
      content.topics.map((topic) => ({
        id: topic.id,
        name: truncateOnWord(cleanText(topic.name) || topic.id, TOPIC_NAME_MAX_LENGTH),
      })),
      (topic) => topic.id,
    ),
    terms: unique(
      content.terms
        .map((term) => truncateOnWord(cleanText(term), TERM_MAX_LENGTH))
        .filter((term) => term !== ''),
    ).slice(0, MAX_TERMS),
    // Many feeds repeat the title as the description; printing it twice only adds noise.
    snippet:
      snippet === cleanText(content.headline) ? '' : truncateOnWord(snippet, SNIPPET_MAX_LENGTH),
    link: safeLink(content.link),
    language: content.language,
  };
}

/** Joiners and marks belong inside words; at the ends of a text they only take room. */
const INVISIBLE_EDGES = /^[\p{Cf}\s]+|[\p{Cf}\s]+$/gu;

/**
 * Feed text as it may be shown anywhere: well-formed UTF-16 (a lone surrogate would not survive
 * UTF-8), no markup, one line. Feed text reaches us as plain text already, so a tag left in it is
 * either a quoted tag or an attack; plain-text email cannot run it, but an SQS or HTTP consumer
 * of `default` may render HTML, so it goes.
 */
function cleanText(text: string): string {
  return singleLine(
    text
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
      .replace(/<\/?[A-Za-z!][^<>]*>/g, ' '),
  ).replace(INVISIBLE_EDGES, '');
}

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

/**
 * SNS subject rule: one line, no control characters, under 100 characters (UTF-16 units, the
 * stricter count); it starts with "[", a punctuation mark, as the older documentation also asked.
 * In 'ascii' mode a headline in another script is replaced rather than transliterated: a
 * transliterated Persian headline is not readable either, and the email body has the original.
 */
function instantSubject(story: CleanStory, options: MessageOptions): string {
  if (options.subjectCharset !== 'ascii' || PRINTABLE_ASCII.test(story.headline)) {
    return clampSubject(`${SUBJECT_PREFIX}${story.headline}`, options.subjectCharset === 'ascii');
  }
  const topic = story.topics.find((candidate) => PRINTABLE_ASCII.test(candidate.name))?.name;
  const label = topic ?? story.topics.find((candidate) => PRINTABLE_ASCII.test(candidate.id))?.id;
  const from = PRINTABLE_ASCII.test(story.outlet) ? ` from ${story.outlet}` : '';
  return clampSubject(
    `${SUBJECT_PREFIX}${label === undefined ? '' : `${label}: `}new story${from} (${story.language})`,
    true,
  );
}

function clampSubject(subject: string, ascii: boolean): string {
  const line = cleanText(subject);
  if (!ascii) {
    return truncateOnWord(line, SUBJECT_MAX_LENGTH);
  }
  return cutOnWord(line.replace(/[^\x20-\x7E]/g, '?'), SUBJECT_MAX_LENGTH, '...');
}

/**
 * Why the reader gets this and how to change it. The email protocol of SNS adds its own
 * unsubscribe link after this footer; that one removes the address from the SNS topic at once,
 * so we offer the finer ways first. "-- " is the signature separator mail clients fold away.
 */
function emailFooter(topicNames: readonly string[], options: MessageOptions): string {
  const lines = ['-- '];
  if (topicNames.length > 0) {
    lines.push(
      `You receive this because you follow these ${PRODUCT_NAME} topics: ${topicNames.join(', ')}.`,
    );
  }
  const manageUrl = safeLink(options.manageUrl);
  if (manageUrl !== undefined) {
    lines.push(`Change or stop these alerts: ${manageUrl}`);
  }
  if (options.mentionCli ?? true) {
    lines.push(
      `With the ${PRODUCT_NAME} command line: "${PRODUCT_NAME} subscribe ADDRESS --topics ID,..." changes your topics,`,
      `"${PRODUCT_NAME} unsubscribe ADDRESS" stops all alerts.`,
    );
  }
  return lines.join('\n');
}

/**
 * Assembles the JSON message and keeps it within `SNS_MAX_PAYLOAD_BYTES`: when it is over, the
 * email body (never its footer) is cut and marked, then the default text. Attributes are checked
 * first; the builders make only valid ones, so a failure here is a bug, not bad input.
 */
function toSnsMessage(
  subject: string,
  bodies: SnsMessageBodies,
  footer: string,
  attributes: MessageAttributes,
): SnsMessage {
  assertValidMessageAttributes(attributes);
  let emailBody = bodies.email;
  let plain = bodies.default;
  const assemble = (): SnsMessage => ({
    subject,
    message: JSON.stringify({
      default: plain,
      email: `${emailBody}\n\n${footer}`,
      sms: bodies.sms,
    } satisfies SnsMessageBodies),
    attributes,
  });
  let message = assemble();
  for (let pass = 0; pass < 8; pass += 1) {
    const over = snsPayloadBytes(message) - SNS_MAX_PAYLOAD_BYTES;
    if (over <= 0) {
      return message;
    }
    if (utf8Bytes(emailBody) > utf8Bytes(EMAIL_TRUNCATION_MARKER) + over) {
      const keep = utf8Bytes(emailBody) - over - utf8Bytes(EMAIL_TRUNCATION_MARKER);
      emailBody = `${truncateUtf8(emailBody, keep)}${EMAIL_TRUNCATION_MARKER}`;
    } else {
      plain = truncateUtf8(plain, Math.max(0, utf8Bytes(plain) - over));
    }
    message = assemble();
  }
  return message;
}

function stringArray(values: readonly string[]): MessageAttributeValue {
  return { DataType: 'String.Array', StringValue: JSON.stringify(unique(values)) };
}

function attributeValueProblems(shown: string, value: MessageAttributeValue): string[] {
  const text = value.StringValue;
  if (text === '') {
    return [`value of ${shown} is empty`];
  }
  if (!ATTRIBUTE_TEXT.test(text)) {
    return [`value of ${shown} has characters SQS does not accept`];
  }
  switch (value.DataType) {
    case 'String':
      return [];
    case 'Number':
      return ATTRIBUTE_NUMBER.test(text) && Math.abs(Number(text)) <= 1e9
        ? []
        : [`value of ${shown} is not a number within ±10^9 with at most 5 decimals`];
    case 'String.Array': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const isScalar = (item: unknown) =>
        item === null || ['string', 'number', 'boolean'].includes(typeof item);
      return Array.isArray(parsed) && parsed.every(isScalar)
        ? []
        : [`value of ${shown} is not a JSON array of strings, numbers, booleans or null`];
    }
    default:
      return [`type of ${shown} is not String, String.Array or Number`];
  }
}

/** "Energy:" for the SMS: the topic name, cut to a label, GSM-7 where the name allows. */
function smsLabel(name: string): string {
  const short = smsShortName(name);
  return short === '' ? '' : `${short}:`;
}

function smsShortName(name: string): string {
  const gsm = toGsm7IfPossible(name);
  return cutOnWord(gsm, SMS_TOPIC_LABEL_MAX_LENGTH, isGsm7(gsm) ? '...' : ELLIPSIS);
}

interface DigestSection {
  id: string | undefined;
  name: string;
  stories: CleanStory[];
}

function digestSections(stories: readonly CleanStory[]): DigestSection[] {
  const sections = new Map<string, DigestSection>();
  for (const story of stories) {
    const topics = story.topics.length > 0 ? story.topics : [undefined];
    for (const topic of topics) {
      const key = topic === undefined ? '' : `topic:${topic.id}`;
      const section = sections.get(key) ?? {
        id: topic?.id,
        name: topic?.name ?? 'Other',
        stories: [],
      };
      section.stories.push(story);
      sections.set(key, section);
    }
  }
  const newestFirst = (a: CleanStory, b: CleanStory) => timeOf(b) - timeOf(a);
  for (const section of sections.values()) {
    section.stories.sort(newestFirst);
  }
  return [...sections.values()].sort(
    (a, b) => b.stories.length - a.stories.length || a.name.localeCompare(b.name),
  );
}

function timeOf(story: CleanStory): number {
  const time = Date.parse(story.published);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** "news-alerts: 7 new stories (Energy 3, Treaty 2, ...) <link>", in one segment. */
function digestSms(
  total: number,
  sections: readonly DigestSection[],
  link: string | undefined,
  reserved: string,
): string {
  const head = `${PRODUCT_NAME}: ${storyCount(total)}`;
  const counts = sections.map(
    (section) => `${smsShortName(section.name)} ${section.stories.length}`,
  );
  const tails = link === undefined ? [''] : [link, `${new URL(link).origin}/`, ''];
  for (const tail of tails) {
    for (let shown = counts.length; shown >= 0; shown -= 1) {
      let text = head;
      if (shown > 0) {
        const rest = shown < counts.length ? ', ...' : '';
        text += ` (${counts.slice(0, shown).join(', ')}${rest})`;
        if (!isGsm7(text)) {
          text = text.replace(/, \.\.\.\)$/, `, ${ELLIPSIS})`);
        }
      }
      const message = tail === '' ? text : `${text} ${tail}`;
      if (countSmsSegments(`${reserved}${message}`).segments <= 1) {
        return message;
      }
    }
  }
  return PRODUCT_NAME;
}

function storyCount(count: number): string {
  return `${count} new ${count === 1 ? 'story' : 'stories'}`;
}

/** "2025-01-17 10:00-11:00 UTC", or both ends in full when the period spans days. */
function formatPeriod(start: string, end: string): string {
  const from = new Date(start);
  const to = new Date(end);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    return `${formatPublished(start)} to ${formatPublished(end)}`;
  }
  const [fromDay, fromTime] = from.toISOString().slice(0, 16).split('T');
  const [toDay, toTime] = to.toISOString().slice(0, 16).split('T');
  return fromDay === toDay
    ? `${fromDay} ${fromTime}-${toTime} UTC`
    : `${fromDay} ${fromTime} UTC to ${toDay} ${toTime} UTC`;
}

function uniqueBy<T>(values: readonly T[], key: (value: T) => string): T[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const k = key(value);
    if (seen.has(k)) {
      return false;
    }
    seen.add(k);
    return true;
  });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) {
    return text;
  }
  let cut = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) to the start of the character cut in two.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) {
    cut -= 1;
  }
  return decoder.decode(bytes.subarray(0, cut));
}
