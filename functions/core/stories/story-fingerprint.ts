/**
 * The fingerprint of an article for story folding (story-folding.ts): what a store keeps to tell
 * a copy of a stored story from a new development, and the keys that find the candidates.
 *
 * Two feature sets describe an article:
 * 1. Concepts: its language-neutral features (concepts, numbers, proper nouns; see
 *    story-concepts.ts) plus the topics it matched, each repeated by its weight, so that their
 *    Jaccard similarity is a weighted one. This is what folds the English, Russian and Persian
 *    reports of one development.
 * 2. Text: word 3-grams of the stemmed title and summary. Same-language syndication with a
 *    changed headline shares most of its 3-grams even when the text names few concepts.
 * Both are taken from the title and the lead of the summary (`LEAD_WORDS`), not the whole text.
 *
 * The fingerprint:
 * - `urlKey`: the link folded for exact copies (the same page reached through AMP, a mobile host,
 *   `www.`, another scheme, a trailing slash or tracking parameters), hashed.
 * - `signature`: a bottom-k MinHash sketch of each set side by side (`CONCEPT_SKETCH` then
 *   `TEXT_SKETCH` numbers; see min-hash.ts). Concept sets are small enough to fit their sketch
 *   whole, so their similarity is exact where the decision is made, not an estimate that would
 *   fold or split near the threshold by chance.
 * - `bandKeys`: locality-sensitive hashing over a classic MinHash of each set (computed here, not
 *   stored). Each key is a band of a few positions; two articles share a band key when they agree
 *   on the whole band, likely when they are similar and unlikely otherwise. A store finds
 *   candidates by exact key lookups, never by comparing against every stored article.
 *
 * An article with too little evidence (concept weights below `MIN_CONCEPT_WEIGHT`, fewer 3-grams
 * than `MIN_TEXT_SHINGLES`) gets an empty part: it never matches through that part and gets no band
 * keys for it, since two short texts that both say "Russia" and "Iran" are not one story.
 *
 * Thresholds were set on eval-dev (see `isSameStory`) with the preference of story-folding.ts:
 * never merge two developments; a missed copy costs one extra alert.
 */
import { createHash } from 'node:crypto';
import { canonicalLink } from '../feeds/normalise-item';
import { tokenise } from '../matching/normalise-text';
import { stemToken } from '../matching/stemming';
import type { Language } from '../model';
import { bottomKSketch, EMPTY_SLOT, estimateJaccardFromSketches, MinHash } from './min-hash';
import {
  type ConceptLexicon,
  defaultStoryConcepts,
  exclusiveMarkers,
  markersConflict,
  storyFeatures,
} from './story-concepts';

export interface StoryFingerprint {
  /** Hash of the folded link; absent when the article has no usable link. */
  urlKey?: string;
  /** Candidate-lookup keys, one per band of each non-empty signature part. */
  bandKeys: string[];
  /**
   * Bottom-k sketches, `CONCEPT_SKETCH` concept values then `TEXT_SKETCH` text values, then one
   * number per exclusive group of the lexicon (venue, weekday, month, season and ordinal markers).
   */
  signature: number[];
}

export interface FingerprintInput {
  title: string;
  summary: string;
  link: string;
  language: Language;
  /** Topic ids the article matched; shared topics count as shared concepts. */
  topicIds: readonly string[];
}

/**
 * Stored signatures only meet signatures made the same way: bump this when the features, the
 * lexicon's meaning, the hashing or the layout change, and keys of the old format stop matching.
 */
export const SIGNATURE_VERSION = 1;
const MINHASH_SEED = 0x5701_2e5d;

/** Sketch sizes: a short article's weighted concepts (20–80) fit whole. */
export const CONCEPT_SKETCH = 128;
export const TEXT_SKETCH = 64;

/**
 * Bands × rows of the lookup MinHash. Concepts: 48 bands of 3, so a pair at the folding
 * threshold (weighted Jaccard 0.43) shares a band with probability 1 − (1 − 0.43³)⁴⁸ ≈ 0.98, at
 * 0.5 ≈ 0.998, while a pair of unrelated articles on Russia and Iran (0.1–0.2) does with
 * 0.05–0.32: a handful of candidates to verify, not the whole window. Text: 8 bands of 2, as
 * syndicated copies share most 3-grams (at 0.6, 0.97) and unrelated texts almost none; the
 * concept bands find such copies too.
 */
export const CONCEPT_BANDS = { bands: 48, rows: 3 } as const;
export const TEXT_BANDS = { bands: 8, rows: 2 } as const;

/** A story stays open to copies this long after it was first seen. */
export const STORY_WINDOW_HOURS = 72;

/**
 * Words of the summary that count, after the title. Copies share their lead: the title and first
 * paragraph tell the development; the rest of a long item is background, which differs between
 * outlets and between cuts of one text (feeds truncate summaries at different lengths).
 */
export const LEAD_WORDS = 60;

/** Concept weight below which an article's concepts are too few to fold on (see the header). */
export const MIN_CONCEPT_WEIGHT = 6;
/** 3-grams below which a text is too short to fold on: a ten-word headline has eight. */
export const MIN_TEXT_SHINGLES = 8;
const SHINGLE_WORDS = 3;

/**
 * Concept similarity from which two articles are one development (see `isSameStory`). Measured
 * on eval-dev, each copy against the closest earlier copy of its story: 0.43 (a Russian and an
 * English report of Gazprom gas via Azerbaijan, each with details the other lacks) to 0.63. The
 * closest different developments: 0.42 (two reports, years apart, that the first Su-35s are
 * due), 0.42 (Bushehr units under construction, said at two different occasions), 0.42 (Putin
 * ordering the North Korea treaty signed, then the signed treaty). The gap is narrow: a held-out
 * set will show misses and merges near it, which is why markers (`markersConflict`) and the
 * story window also separate developments.
 */
export const SAME_STORY_CONCEPTS = 0.43;
/** Text similarity (3-grams) that folds same-language copies. */
export const SAME_STORY_TEXT = 0.5;
/** Concept similarity that agreeing text still needs, where both sides have concepts. */
export const SAME_STORY_TEXT_CONCEPT_FLOOR = 0.25;

const conceptBandHasher = new MinHash(CONCEPT_BANDS.bands * CONCEPT_BANDS.rows, MINHASH_SEED);
const textBandHasher = new MinHash(TEXT_BANDS.bands * TEXT_BANDS.rows, MINHASH_SEED + 1);

/** Hosts that serve the same pages under another name: mobile, AMP and `www.` variants. */
const HOST_VARIANT_PREFIXES = /^(?:www\d?|m|mobile|amp)\./;
/** Files a server sends for a directory: the same page as the directory itself. */
const INDEX_FILE = /\/(?:index|default)\.(?:html?|php|aspx?|jsp)$/i;
/** Query parameters that select the AMP rendering of a page: `?amp`, `?amp=1`, `?output=amp`. */
function isAmpParameter(name: string, value: string): boolean {
  const lowerName = name.toLowerCase();
  const lowerValue = value.toLowerCase();
  if (lowerName === 'amp') return ['', '1', 'true'].includes(lowerValue);
  return ['outputtype', 'output', 'format'].includes(lowerName) && lowerValue === 'amp';
}

/**
 * The link as the identity of a page, for exact-copy detection: tracking parameters dropped
 * (`canonicalLink`), the scheme ignored, `www.`/`m.`/`mobile.`/`amp.` hosts folded, AMP paths
 * (`/amp`, `/amp/…`, `….amp.html`) and AMP parameters dropped, index files, duplicate and trailing
 * slashes dropped, the other parameters sorted, percent escapes upper-cased. Undefined for
 * anything that is not an absolute http(s) URL.
 */
export function foldLink(link: string): string | undefined {
  const canonical = canonicalLink(link);
  if (!canonical) return undefined;
  const url = new URL(canonical);
  let host = url.hostname;
  // Fold only while a registrable name is left: "m.example.com", never "amp.dev" to "dev".
  while (
    HOST_VARIANT_PREFIXES.test(host) &&
    host.replace(HOST_VARIANT_PREFIXES, '').includes('.')
  ) {
    host = host.replace(HOST_VARIANT_PREFIXES, '');
  }
  const segments = url.pathname
    .replace(INDEX_FILE, '/')
    .split('/')
    .filter((segment) => segment !== '' && segment.toLowerCase() !== 'amp')
    .map((segment) => segment.replace(/\.amp(\.html?)?$/i, '$1'));
  const parameters = [...url.searchParams]
    .filter(([name, value]) => !isAmpParameter(name, value))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .sort();
  const path = segments.length > 0 ? `/${segments.join('/')}` : '';
  const query = parameters.length > 0 ? `?${parameters.join('&')}` : '';
  const port = url.port ? `:${url.port}` : '';
  return `${host}${port}${path}${query}`.replace(/%[0-9a-f]{2}/gi, (percentEscape) =>
    percentEscape.toUpperCase(),
  );
}

/** The hashed folded link, or undefined when the link is not usable. */
export function urlKeyFor(link: string): string | undefined {
  const folded = foldLink(link);
  if (folded === undefined) return undefined;
  return `u${SIGNATURE_VERSION}:${createHash('sha256').update(folded).digest('base64url').slice(0, 22)}`;
}

/** The first `LEAD_WORDS` words of a summary, punctuation kept. */
export function leadOf(summary: string): string {
  let words = 0;
  for (const match of summary.matchAll(/\S+/g)) {
    words += 1;
    if (words === LEAD_WORDS) return summary.slice(0, match.index + match[0].length);
  }
  return summary;
}

/**
 * Each feature as many elements as its weight ("concept:duma#0", "#1"): the plain Jaccard
 * similarity of these element sets is the weighted Jaccard similarity of the features.
 */
function weightedElements(features: ReadonlyMap<string, number>): string[] {
  const elements: string[] = [];
  for (const [feature, weight] of features) {
    for (let copy = 0; copy < weight; copy++) elements.push(`${feature}#${copy}`);
  }
  return elements;
}

/** The concept features of an article: its text's features plus its topics. */
export function conceptFeatures(
  input: Omit<FingerprintInput, 'link'>,
  lexicon: ConceptLexicon = defaultStoryConcepts(),
): Map<string, number> {
  const features = storyFeatures(input, lexicon);
  for (const topicId of input.topicIds) features.set(`topic:${topicId}`, 1);
  return features;
}

/** Word 3-grams of the stemmed title and summary, not across the two. */
export function textShingles(title: string, summary: string): Set<string> {
  const shingles = new Set<string>();
  for (const part of [title, summary]) {
    const stems = tokenise(part).map(stemToken);
    for (let start = 0; start + SHINGLE_WORDS <= stems.length; start++) {
      shingles.add(stems.slice(start, start + SHINGLE_WORDS).join(' '));
    }
  }
  return shingles;
}

function bandKeysOf(
  signature: readonly number[],
  family: string,
  { bands, rows }: { bands: number; rows: number },
): string[] {
  const keys: string[] = [];
  for (let band = 0; band < bands; band++) {
    const values = signature.slice(band * rows, (band + 1) * rows);
    keys.push(
      `${family}${SIGNATURE_VERSION}.${band}:${values.map((v) => v.toString(36)).join('.')}`,
    );
  }
  return keys;
}

/** The fingerprint of one article (see the module comment for its parts). */
export function storyFingerprint(
  input: FingerprintInput,
  lexicon: ConceptLexicon = defaultStoryConcepts(),
): StoryFingerprint {
  const lead = { ...input, summary: leadOf(input.summary) };
  const features = conceptFeatures(lead, lexicon);
  const conceptWeight = [...features.values()].reduce((sum, weight) => sum + weight, 0);
  const concepts = conceptWeight >= MIN_CONCEPT_WEIGHT ? weightedElements(features) : [];
  const allShingles = [...textShingles(lead.title, lead.summary)];
  const shingles = allShingles.length >= MIN_TEXT_SHINGLES ? allShingles : [];
  const bandKeys = [
    ...(concepts.length === 0
      ? []
      : bandKeysOf(conceptBandHasher.signature(concepts), 'c', CONCEPT_BANDS)),
    ...(shingles.length === 0
      ? []
      : bandKeysOf(textBandHasher.signature(shingles), 't', TEXT_BANDS)),
  ];
  const urlKey = urlKeyFor(input.link);
  return {
    ...(urlKey === undefined ? {} : { urlKey }),
    bandKeys,
    signature: [
      ...bottomKSketch(concepts, CONCEPT_SKETCH, MINHASH_SEED),
      ...bottomKSketch(shingles, TEXT_SKETCH, MINHASH_SEED + 1),
      ...exclusiveMarkers(features, lexicon),
    ],
  };
}

export interface StorySimilarity {
  /** Weighted Jaccard similarity of the concept features (exact while they fit the sketch). */
  concepts: number;
  /** Estimated Jaccard similarity of the text 3-grams. */
  text: number;
}

/** The similarities two signatures give; 0 for a part that is empty on either side. */
export function similarity(a: readonly number[], b: readonly number[]): StorySimilarity {
  return {
    concepts: estimateJaccardFromSketches(a, b, 0, CONCEPT_SKETCH),
    text: estimateJaccardFromSketches(a, b, CONCEPT_SKETCH, CONCEPT_SKETCH + TEXT_SKETCH),
  };
}

const MARKERS_START = CONCEPT_SKETCH + TEXT_SKETCH;

const hasConcepts = (signature: readonly number[]): boolean =>
  signature.length > 0 && signature[0] !== EMPTY_SLOT;

/**
 * Whether two articles, first seen `hoursApart` apart, report one development: within the story
 * window; not naming different venues, weekdays, months, seasons or ordinals (the fourth round of
 * talks is not the first, whatever else they share); and either their concepts agree (the
 * cross-language case) or their text agrees (the same-language case). Agreeing text also needs
 * concepts that do not disagree, where both sides have concepts: a feed that repeats one
 * boilerplate summary under every headline must not fold its different stories.
 */
export function isSameStory(
  a: readonly number[],
  b: readonly number[],
  hoursApart: number,
): boolean {
  if (!(Math.abs(hoursApart) <= STORY_WINDOW_HOURS)) return false;
  if (markersConflict(a.slice(MARKERS_START), b.slice(MARKERS_START))) return false;
  const { concepts, text } = similarity(a, b);
  if (concepts >= SAME_STORY_CONCEPTS) return true;
  const conceptsComparable = hasConcepts(a) && hasConcepts(b);
  return (
    text >= SAME_STORY_TEXT && (!conceptsComparable || concepts >= SAME_STORY_TEXT_CONCEPT_FLOOR)
  );
}
