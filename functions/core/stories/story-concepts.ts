/**
 * What an article is about, in words that do not depend on its language: the features story
 * folding compares (story-fingerprint.ts). An English and a Russian report of one development
 * share almost no words, but they name the same people, places, organisations, objects, actions,
 * dates and numbers. So an article becomes a weighted set of:
 * - concepts from the cross-lingual lexicon in data/story-concepts.json ("Госдума", "State Duma"
 *   and "دوما" are all `concept:duma`), weighted by how much sharing one says (see the file);
 * - numbers (years, counts, amounts), which survive translation verbatim: `number:2025`;
 * - proper nouns the lexicon does not know, as a consonant skeleton of their Latin spelling, so
 *   "Rudenko" and "Руденко" (stemmed, transliterated) are both `name:rdnk`. Only capitalised words
 *   inside a sentence count, and Latin words in Russian or Persian text; Persian has no capitals,
 *   so its proper nouns count only through the lexicon.
 * Some groups of concepts are exclusive markers: an event has one venue, weekday, month, season,
 * and a round or unit one ordinal, so two reports naming different ones are different events
 * (`exclusiveMarkers`, `markersConflict`).
 *
 * Everything a word might mean is listed as data, not code: a new name or place is a line in the
 * JSON file. The file is validated when first compiled, so a bad edit fails the tests.
 */
import { decodeHTML as decodeHtmlEntities } from 'entities';
import lexiconFile from '../../../data/story-concepts.json' with { type: 'json' };
import { normaliseForMatching, tokenise } from '../matching/normalise-text';
import { stemToken } from '../matching/stemming';
import type { Language } from '../model';
import * as z from '../zod';

/** The data file does not validate; `issues` has one "field: problem" line each. */
export class StoryConceptsError extends Error {
  override readonly name = 'StoryConceptsError';
  constructor(
    readonly issues: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid story concepts:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`, options);
  }
}

const CONCEPT_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const lexiconSchema = z.object({
  version: z.literal(1),
  groups: z
    .array(
      z.strictObject({
        kind: z.string().check(z.minLength(1)),
        weight: z.number().check(z.int(), z.gte(0), z.lte(5)),
        exclusive: z.optional(z.boolean()),
        concepts: z.record(
          z.string().check(z.regex(CONCEPT_ID, 'concept ids are lower-case words joined by "-"')),
          z.array(z.string().check(z.trim(), z.minLength(1))).check(z.minLength(1)),
        ),
      }),
    )
    .check(z.minLength(1)),
});

export type StoryConceptsFile = z.output<typeof lexiconSchema>;

/** How one written word of a term meets a word of the text (see the data file's comment). */
type WordMatcher =
  | { kind: 'stem'; stem: string }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'exact'; word: string }
  | { kind: 'cased'; raw: string };

interface CompiledTerm {
  words: readonly WordMatcher[];
  concept: string;
}

/** A word of the text, normalised, with what its written form says about proper nouns. */
interface TextWord {
  token: string;
  stem: string;
  /** The word as written, before normalisation. */
  raw: string;
  /** Starts with a capital letter as written. */
  capitalised: boolean;
  /** First word of a sentence (or of the text), where a capital says nothing. */
  sentenceInitial: boolean;
}

const ZWNJ = '\u200C';

/** The words a written term stands for, with its Persian spelling without a ZWNJ as a variant. */
function compileTerm(term: string, concept: string): CompiledTerm[] {
  const variants = term.includes(ZWNJ) ? [term, term.replaceAll(ZWNJ, ' ')] : [term];
  return variants.map((variant) => {
    const words: WordMatcher[] = [];
    for (const written of variant.split(/\s+/)) {
      if (written.startsWith('^')) {
        words.push({ kind: 'cased', raw: written.slice(1) });
        continue;
      }
      const exact = written.startsWith('=');
      const prefix = written.endsWith('*');
      const tokens = tokenise(written.replace(/^=|\*$/g, ''));
      if (tokens.length === 0) {
        throw new StoryConceptsError([`${concept}: "${term}" has a word with no letters`]);
      }
      tokens.forEach((token, index) => {
        if (exact) words.push({ kind: 'exact', word: token });
        else if (prefix && index === tokens.length - 1)
          words.push({ kind: 'prefix', prefix: token });
        else words.push({ kind: 'stem', stem: stemToken(token) });
      });
    }
    return { words, concept };
  });
}

function wordMatches(matcher: WordMatcher, word: TextWord): boolean {
  switch (matcher.kind) {
    case 'stem':
      return word.stem === matcher.stem;
    case 'prefix':
      return word.token.startsWith(matcher.prefix);
    case 'exact':
      return word.token === matcher.word;
    case 'cased':
      return word.raw === matcher.raw;
  }
}

/** The lexicon compiled for lookups by a term's first word: by stem, exact word or prefix. */
export class ConceptLexicon {
  private readonly byStem = new Map<string, CompiledTerm[]>();
  private readonly byExact = new Map<string, CompiledTerm[]>();
  private readonly byPrefix = new Map<string, CompiledTerm[]>();
  private readonly byRaw = new Map<string, CompiledTerm[]>();
  /** Prefix lengths in use, so a word is looked up once per length rather than per prefix. */
  private readonly prefixLengths: number[];
  /** Concept id → weight; 0 for words that are never evidence. */
  readonly weights: ReadonlyMap<string, number>;
  /** The concept ids of each exclusive group, in file order (see `exclusiveMarkers`). */
  readonly exclusiveGroups: readonly (readonly string[])[];

  constructor(file: StoryConceptsFile) {
    const weights = new Map<string, number>();
    const exclusiveGroups: string[][] = [];
    const issues: string[] = [];
    for (const group of file.groups) {
      if (group.exclusive) {
        const ids = Object.keys(group.concepts);
        if (ids.length > MAX_EXCLUSIVE_CONCEPTS) {
          issues.push(`${group.kind}: an exclusive group holds at most ${MAX_EXCLUSIVE_CONCEPTS}`);
        }
        exclusiveGroups.push(ids);
      }
      for (const [concept, terms] of Object.entries(group.concepts)) {
        if (weights.has(concept)) issues.push(`${group.kind}.${concept}: concept listed twice`);
        weights.set(concept, group.weight);
        for (const term of terms) {
          for (const compiled of compileTerm(term, concept)) this.index(compiled);
        }
      }
    }
    if (issues.length > 0) throw new StoryConceptsError(issues);
    this.weights = weights;
    this.exclusiveGroups = exclusiveGroups;
    this.prefixLengths = [...new Set([...this.byPrefix.keys()].map((key) => key.length))].sort(
      (a, b) => a - b,
    );
  }

  private index(term: CompiledTerm): void {
    const first = term.words[0];
    if (!first) return;
    const [map, key] =
      first.kind === 'stem'
        ? [this.byStem, first.stem]
        : first.kind === 'exact'
          ? [this.byExact, first.word]
          : first.kind === 'cased'
            ? [this.byRaw, first.raw]
            : [this.byPrefix, first.prefix];
    const list = map.get(key);
    if (list) list.push(term);
    else map.set(key, [term]);
  }

  private termsStartingWith(word: TextWord): CompiledTerm[] {
    const found = [
      ...(this.byStem.get(word.stem) ?? []),
      ...(this.byExact.get(word.token) ?? []),
      ...(this.byRaw.get(word.raw) ?? []),
    ];
    for (const length of this.prefixLengths) {
      if (length > word.token.length) break;
      found.push(...(this.byPrefix.get(word.token.slice(0, length)) ?? []));
    }
    return found;
  }

  /**
   * The concepts found in a sequence of words, and which word positions some term covered. Every
   * term that matches counts, phrases and single words alike: "State Duma" is `duma`, and a
   * phrase never hides a concept its words name on their own.
   */
  match(words: readonly TextWord[]): { concepts: Set<string>; covered: Set<number> } {
    const concepts = new Set<string>();
    const covered = new Set<number>();
    words.forEach((word, start) => {
      for (const term of this.termsStartingWith(word)) {
        const length = term.words.length;
        if (start + length > words.length) continue;
        let matches = true;
        for (let offset = 1; offset < length && matches; offset++) {
          const matcher = term.words[offset];
          const next = words[start + offset];
          matches = matcher !== undefined && next !== undefined && wordMatches(matcher, next);
        }
        if (!matches) continue;
        concepts.add(term.concept);
        for (let offset = 0; offset < length; offset++) covered.add(start + offset);
      }
    });
    return { concepts, covered };
  }
}

/** Exclusive markers are kept as bits of one 32-bit number per group. */
const MAX_EXCLUSIVE_CONCEPTS = 31;

/**
 * One number per exclusive group of the lexicon: bit i set when the article names the group's
 * i-th concept. Two articles whose markers of one group are both non-zero and share no bit name
 * different venues, weekdays, months, seasons or ordinals: different events (`markersConflict`).
 */
export function exclusiveMarkers(
  features: ReadonlyMap<string, number>,
  lexicon: ConceptLexicon = defaultStoryConcepts(),
): number[] {
  return lexicon.exclusiveGroups.map((ids) =>
    ids.reduce((bits, id, bit) => (features.has(`concept:${id}`) ? bits | (1 << bit) : bits), 0),
  );
}

/** Whether two articles' exclusive markers disagree in some group (see `exclusiveMarkers`). */
export function markersConflict(a: readonly number[], b: readonly number[]): boolean {
  return a.some((bits, group) => {
    const other = b[group] ?? 0;
    return bits !== 0 && other !== 0 && (bits & other) === 0;
  });
}

/** Parses and compiles a lexicon file; throws `StoryConceptsError` when it does not validate. */
export function compileStoryConcepts(file: unknown): ConceptLexicon {
  const result = lexiconSchema.safeParse(file);
  if (!result.success) {
    throw new StoryConceptsError(
      result.error.issues.map((issue) => `${issue.path.join('.') || 'file'}: ${issue.message}`),
      { cause: result.error },
    );
  }
  return new ConceptLexicon(result.data);
}

let defaultLexicon: ConceptLexicon | undefined;

/** The shipped lexicon (data/story-concepts.json), compiled once. */
export function defaultStoryConcepts(): ConceptLexicon {
  defaultLexicon ??= compileStoryConcepts(lexiconFile);
  return defaultLexicon;
}

// Raw words keep marks and format characters inside them, so that normalising one raw word gives
// the same tokens as normalising the whole text (a ZWNJ joins, it does not split).
const RAW_WORD = /[\p{L}\p{N}\p{M}\p{Cf}]+/gu;
const CAPITALISED = /^\p{Lu}/u;
/** An acronym or a name in capitals ("CASAREX") is a proper noun wherever it stands. */
const ALL_CAPITALS = /^\p{Lu}{3,}$/u;
const LATIN = /^\p{Script=Latin}+$/u;
const CYRILLIC = /^\p{Script=Cyrillic}+$/u;
/** Punctuation after which the next word starts a sentence. */
const SENTENCE_END = /[.!?…:;|\n]/u;
/** A capitalised word this short before a full stop is an abbreviation ("Brig.", "Gen."). */
const LONGEST_ABBREVIATION = 3;

/** A text written mostly in capitals, where capitals mark nothing. */
function isShouting(text: string): boolean {
  const letters = text.match(/\p{L}/gu) ?? [];
  const capitals = text.match(/\p{Lu}/gu) ?? [];
  return letters.length > 0 && capitals.length / letters.length > 0.8;
}

/** The words of a text with their case flags; each raw word may give several tokens. */
function readWords(text: string): TextWord[] {
  const plain = text.includes('&') ? decodeHtmlEntities(text) : text;
  const words: TextWord[] = [];
  let previousEnd = 0;
  let previousRaw = '';
  for (const match of plain.matchAll(RAW_WORD)) {
    const raw = match[0];
    const between = plain.slice(previousEnd, match.index);
    const isAbbreviation =
      /^\s*\.\s*$/.test(between) &&
      previousRaw.length <= LONGEST_ABBREVIATION &&
      CAPITALISED.test(previousRaw);
    const sentenceInitial = previousEnd === 0 || (SENTENCE_END.test(between) && !isAbbreviation);
    const capitalised = CAPITALISED.test(raw);
    for (const token of tokenise(raw)) {
      words.push({ token, stem: stemToken(token), raw, capitalised, sentenceInitial });
    }
    previousEnd = match.index + raw.length;
    previousRaw = raw;
  }
  return words;
}

/**
 * An English headline in Title Case capitalises every word, so its capitals say nothing about
 * proper nouns: most of its longer words start with a capital.
 */
function isTitleCase(words: readonly TextWord[]): boolean {
  const long = words.filter((word) => word.token.length >= 4 && LATIN.test(word.token));
  const capitalised = long.filter((word) => word.capitalised).length;
  return long.length >= 3 && capitalised / long.length >= 0.7;
}

const CYRILLIC_TO_LATIN: Readonly<Record<string, string>> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
};

/**
 * Spellings of one sound in English and in transliterated Russian. Vowels and h go: the two
 * languages' spellings disagree most there (Behrouz, Бехруз → "bekhruz").
 */
const SOUND_UNITS: Readonly<Record<string, string>> = {
  shch: 's',
  dzh: 'j',
  zh: 'j',
  dj: 'j',
  kh: '',
  gh: 'k',
  ch: 'c',
  tch: 'c',
  ts: 'c',
  tz: 'c',
  sh: 's',
  ph: 'f',
  ck: 'k',
  c: 'k',
  g: 'k',
  q: 'k',
  w: 'v',
  x: 'ks',
  h: '',
  a: '',
  e: '',
  i: '',
  o: '',
  u: '',
  y: '',
};
const SOUND_UNIT = /shch|dzh|tch|zh|dj|kh|gh|ch|ts|tz|sh|ph|ck|[a-z]/g;

/**
 * Endings of English common nouns and adjectives, which job titles and institution names
 * capitalise mid-sentence ("Permanent Representative", "Urban Development Minister"); names in
 * our news rarely end so (Nebenzya, Likhachev, Albusaidi, Witkoff).
 */
const ENGLISH_COMMON_ENDING =
  /(?:ment|tion|sion|ive|ness|ity|ous|ship|ance|ence|ent|ant|ing|ed|ary|ory|al|ism|ist|er|ers|s)$/;

/** The fewest consonants a skeleton needs; shorter ones collide across unrelated names. */
const SHORTEST_SKELETON = 3;

/** A surname in -ов/-ев/-ин in any case ("Нурмагамбетова", "Путиным") and its nominative. */
const RUSSIAN_SURNAME = /^(.+(?:ов|ев|ин))(?:а|у|ым|ом|е|ой|ы|ых|ыми)?$/;

/**
 * The part of a Russian proper noun that stays the same in every case: a surname in -ов/-ев/-ин
 * keeps that suffix (Snowball would take -ов off the nominative only), any other word its stem.
 */
function russianNameBase(word: string): string {
  return RUSSIAN_SURNAME.exec(word)?.[1] ?? stemToken(word);
}

/**
 * The consonant skeleton of a proper noun, the same for its English spelling and its Russian one:
 * Cyrillic is transliterated, spellings of one sound fold together, vowels go (transliterations
 * disagree most on vowels). Russian case endings go first (`russianNameBase`).
 */
export function nameSkeleton(word: string): string | undefined {
  const latin = CYRILLIC.test(word)
    ? [...russianNameBase(word)].map((letter) => CYRILLIC_TO_LATIN[letter] ?? '').join('')
    : word;
  if (!/^[a-z]+$/.test(latin)) return undefined;
  const skeleton = latin
    .replace(SOUND_UNIT, (unit) => SOUND_UNITS[unit] ?? unit)
    .replace(/(.)\1+/g, '$1');
  return skeleton.length >= SHORTEST_SKELETON ? skeleton : undefined;
}

/** How much a shared number or an unknown proper noun says, on the lexicon's scale. */
export const NUMBER_WEIGHT = 2;
export const NAME_WEIGHT = 2;
/** Numbers below this (two, three) are too common to say anything: "3-day", "2 urgency". */
const SMALLEST_NUMBER = 10;

/**
 * Numbers as written in our languages: "5,000", "5 000", "۵٬۰۰۰", "1.8", "1,8". A group of three
 * digits after a separator is thousands; any other group after "." or "," is a decimal part.
 */
function numbersIn(text: string): string[] {
  const numbers: string[] = [];
  for (const match of normaliseForMatching(text).matchAll(/\d+(?:[.,\u066B\u066C ]\d+)*/g)) {
    const parts = match[0].split(/([.,\u066B\u066C ])/);
    let integer = parts[0] ?? '';
    let decimal: string | undefined;
    const flush = (): void => {
      const value = Number(decimal === undefined ? integer : `${integer}.${decimal}`);
      if (Number.isFinite(value) && (value >= SMALLEST_NUMBER || decimal !== undefined)) {
        numbers.push(String(value));
      }
    };
    for (let index = 1; index + 1 < parts.length; index += 2) {
      const separator = parts[index] ?? '';
      const group = parts[index + 1] ?? '';
      if (decimal === undefined && group.length === 3 && separator !== '\u066B') {
        integer += group;
      } else if (decimal === undefined && separator !== ' ' && separator !== '\u066C') {
        decimal = group;
      } else {
        flush();
        integer = group;
        decimal = undefined;
      }
    }
    flush();
  }
  return numbers;
}

export interface StoryText {
  title: string;
  summary: string;
  language: Language;
}

/**
 * The weighted features of an article's text: `concept:ID`, `number:N` and `name:SKELETON`, each
 * with its weight (a feature found twice still counts once).
 */
export function storyFeatures(
  text: StoryText,
  lexicon: ConceptLexicon = defaultStoryConcepts(),
): Map<string, number> {
  const features = new Map<string, number>();
  const parts = [readWords(text.title), readWords(text.summary)];
  const skipTitleCapitals = text.language === 'en' && isTitleCase(parts[0] ?? []);
  // A headline in capitals says nothing about acronyms either.
  const shouting = [text.title, text.summary].map(isShouting);
  parts.forEach((words, part) => {
    const { concepts, covered } = lexicon.match(words);
    for (const concept of concepts) {
      const weight = lexicon.weights.get(concept) ?? 0;
      if (weight > 0) features.set(`concept:${concept}`, weight);
    }
    words.forEach((word, position) => {
      if (covered.has(position) || /\d/.test(word.token)) return;
      const isLatin = LATIN.test(word.token);
      const foreignInText = isLatin && text.language !== 'en';
      const properNoun =
        (ALL_CAPITALS.test(word.raw) && !shouting[part]) ||
        (word.capitalised && !word.sentenceInitial && !(part === 0 && skipTitleCapitals));
      if (!(foreignInText || (properNoun && (isLatin || CYRILLIC.test(word.token))))) return;
      if (isLatin && ENGLISH_COMMON_ENDING.test(word.token) && !ALL_CAPITALS.test(word.raw)) return;
      const skeleton = nameSkeleton(word.token);
      if (skeleton) features.set(`name:${skeleton}`, NAME_WEIGHT);
    });
  });
  for (const number of numbersIn(`${text.title}\n${text.summary}`)) {
    features.set(`number:${number}`, NUMBER_WEIGHT);
  }
  return features;
}
