/**
 * SMS length as carriers count it: the encoding a text forces (GSM 03.38 7-bit or UCS-2), the
 * units it costs and the segments (message parts) it is sent and billed as; and the fitting of an
 * alert's text into one segment. Pure functions: the alert builders use them, and so can a
 * publisher that wants to check a text before paying for it.
 *
 * Sources: AWS End User Messaging SMS "SMS character limits" (160 GSM 03.38 characters or 70
 * otherwise in one message; 153 and 67 a part once split); 3GPP TS 23.038 for the GSM 7-bit
 * default alphabet and its extension table (the characters sent as an escape plus a code).
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentCount {
  encoding: SmsEncoding;
  /** Septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  units: number;
  /** Message parts the text is sent as; 0 for the empty text. */
  segments: number;
}

export const GSM7_SINGLE_SEGMENT_UNITS = 160;
/** A part of a split message gives 7 septets to the header that joins the parts again. */
export const GSM7_MULTIPART_SEGMENT_UNITS = 153;
export const UCS2_SINGLE_SEGMENT_UNITS = 70;
export const UCS2_MULTIPART_SEGMENT_UNITS = 67;

/**
 * The GSM 7-bit default alphabet as Unicode, in code order (3GPP TS 23.038). The escape code 0x1B
 * is left out: it introduces an extension character and is not a character a text can carry.
 * 0x09 is the capital C with cedilla, as the 3GPP table has it (the small one is not in the set).
 */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** Sent as escape + code, so each costs two septets. */
const GSM7_EXTENSION = new Set('\f^{}\\[]~|€');

/** Septets one character costs in GSM-7, or undefined when GSM-7 cannot carry it. */
export function gsm7Units(character: string): 1 | 2 | undefined {
  if (GSM7_BASIC.has(character)) {
    return 1;
  }
  return GSM7_EXTENSION.has(character) ? 2 : undefined;
}

export function isGsm7(text: string): boolean {
  for (const character of text) {
    if (gsm7Units(character) === undefined) {
      return false;
    }
  }
  return true;
}

/**
 * One character outside GSM-7 sends the whole text as UCS-2, where every UTF-16 code unit counts
 * (an emoji outside the Basic Multilingual Plane costs 2). Once split, parts are filled in order
 * without cutting an escape sequence or a surrogate pair in two, which is how handsets and
 * gateways split; so a multipart count can be one more than `ceil(units / 153)`.
 */
export function countSmsSegments(text: string): SmsSegmentCount {
  const gsmCosts: number[] = [];
  let gsm = true;
  for (const character of text) {
    const cost = gsm7Units(character);
    if (cost === undefined) {
      gsm = false;
      break;
    }
    gsmCosts.push(cost);
  }
  if (gsm) {
    return {
      encoding: 'GSM-7',
      ...pack(gsmCosts, GSM7_SINGLE_SEGMENT_UNITS, GSM7_MULTIPART_SEGMENT_UNITS),
    };
  }
  const ucsCosts = Array.from(text, (character) => character.length);
  return {
    encoding: 'UCS-2',
    ...pack(ucsCosts, UCS2_SINGLE_SEGMENT_UNITS, UCS2_MULTIPART_SEGMENT_UNITS),
  };
}

function pack(
  costs: readonly number[],
  singleLimit: number,
  partLimit: number,
): { units: number; segments: number } {
  const units = costs.reduce((sum, cost) => sum + cost, 0);
  if (units === 0) {
    return { units, segments: 0 };
  }
  if (units <= singleLimit) {
    return { units, segments: 1 };
  }
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > partLimit) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { units, segments };
}

/** What Amazon SNS puts before every SMS sent through a topic with a display name. */
export function smsDisplayNamePrefix(displayName: string | undefined): string {
  const name = (displayName ?? '').trim();
  return name === '' ? '' : `${name.toUpperCase()}> `;
}

/**
 * Typography that costs an English alert its GSM-7 budget: one curly apostrophe would send the
 * whole text as UCS-2, with 70 characters instead of 160. Carriers do not all substitute these.
 */
const GSM7_LOOKALIKES: ReadonlyArray<readonly [RegExp, string]> = [
  [/[\u2018\u2019\u201A\u201B\u2032]/g, "'"],
  [/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"'],
  [/[\u2010-\u2015\u2212]/g, '-'],
  [/\u2026/g, '...'],
  [/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, ' '],
];

/**
 * The text with typographic punctuation replaced by GSM-7 lookalikes, when that makes it
 * GSM-7; unchanged otherwise, since a Russian or Persian text is UCS-2 either way and keeps its
 * own quotation marks.
 */
export function toGsm7IfPossible(text: string): string {
  if (isGsm7(text)) {
    return text;
  }
  let replaced = text;
  for (const [pattern, replacement] of GSM7_LOOKALIKES) {
    replaced = replaced.replace(pattern, replacement);
  }
  return isGsm7(replaced) ? replaced : text;
}

export interface SmsLayout {
  /** Kept whole, before the text (a topic label, say). */
  lead?: string;
  /** Cut on a word, with an ellipsis, to make room (a headline). */
  text: string;
  /** Kept whole, after the text (the link). */
  tail?: string;
  /**
   * Counted against the segment, not included in the result: what the gateway puts before the
   * message (see `smsDisplayNamePrefix`).
   */
  reserved?: string;
  /** Fewer characters (graphemes) of the text than this are not worth sending. Default 1. */
  minTextLength?: number;
}

/** No single segment holds more than 160 units, so a longer text is never tried whole. */
const MAX_TEXT_UNITS = GSM7_SINGLE_SEGMENT_UNITS + 1;
const GSM7_ELLIPSIS = '...';
const UNICODE_ELLIPSIS = '…';
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });

/**
 * `lead text tail`, joined by single spaces (empty parts left out), as one SMS segment: the text
 * whole when it fits, else cut at the last word that fits (inside the first word when even that
 * is too long, never inside a grapheme) and marked with an ellipsis that keeps the encoding
 * ("..." in GSM-7, where "…" would switch the message to UCS-2). Undefined when the text would
 * keep fewer than `minTextLength` graphemes, so the caller can try another layout.
 */
export function fitSmsToOneSegment(layout: SmsLayout): string | undefined {
  const { lead = '', text, tail = '', reserved = '', minTextLength = 1 } = layout;
  const compose = (fitted: string) => [lead, fitted, tail].filter((part) => part !== '').join(' ');
  const fits = (message: string) => countSmsSegments(`${reserved}${message}`).segments <= 1;

  if (text.length <= MAX_TEXT_UNITS && graphemeCount(text) >= minTextLength) {
    const whole = compose(text);
    if (fits(whole)) {
      return whole;
    }
  }
  for (const prefix of prefixesOf(text)) {
    if (graphemeCount(prefix) < minTextLength) {
      continue;
    }
    const plain = compose(prefix);
    const ellipsis = isGsm7(`${reserved}${plain}`) ? GSM7_ELLIPSIS : UNICODE_ELLIPSIS;
    const message = compose(`${prefix}${ellipsis}`);
    if (fits(message)) {
      return message;
    }
  }
  if (minTextLength <= 0) {
    const bare = compose('');
    return fits(bare) ? bare : undefined;
  }
  return undefined;
}

/**
 * Shorter and shorter beginnings of `text`, longest first: those ending at a word; then, inside
 * the first word, those ending at a grapheme; last, for a degenerate cluster (a letter under a
 * hundred combining marks), those ending at a code point. Trailing spaces and punctuation are
 * dropped, since "word,…" reads worse than "word…".
 */
function* prefixesOf(text: string): Generator<string> {
  const boundaries: number[] = [];
  for (const { index } of graphemes.segment(text)) {
    if (index > MAX_TEXT_UNITS) {
      break;
    }
    if (index > 0) {
      boundaries.push(index);
    }
  }
  const firstSpace = text.search(/\s/);
  const seen = new Set<string>();
  const emit = function* (end: number) {
    const prefix = text.slice(0, end).replace(/[\s,;:.\-–—]+$/u, '');
    if (prefix !== '' && prefix !== text && !seen.has(prefix)) {
      seen.add(prefix);
      yield prefix;
    }
  };
  for (let i = boundaries.length - 1; i >= 0; i -= 1) {
    const end = boundaries[i] ?? 0;
    if (/\s/.test(text.charAt(end))) {
      yield* emit(end);
    }
  }
  for (let i = boundaries.length - 1; i >= 0; i -= 1) {
    const end = boundaries[i] ?? 0;
    if (firstSpace < 0 || end < firstSpace) {
      yield* emit(end);
    }
  }
  const firstCluster = boundaries[0] ?? 0;
  for (let end = Math.min(firstCluster, MAX_TEXT_UNITS) - 1; end > 0; end -= 1) {
    if (!isLowSurrogate(text.charCodeAt(end))) {
      yield* emit(end);
    }
  }
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function graphemeCount(text: string): number {
  let count = 0;
  for (const _ of graphemes.segment(text)) {
    count += 1;
  }
  return count;
}
