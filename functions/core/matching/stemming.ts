/**
 * Stemming for topic matching: the one place that decides which inflected forms of a word count
 * as the same word (Ирана, Ираном and Иран; sanctions and sanctioned; تحریمهای and تحریم). Query
 * words and article tokens both go through `stemToken` once, after `tokenise()` has normalised
 * them, and match when their stems are equal.
 *
 * Choices worth knowing:
 * - The stemmer is picked by the token's script, not by the article's language: Russian articles
 *   quote English names and English articles quote Persian words. Latin → Snowball English
 *   (Porter2, the `porter2` package); Cyrillic → Snowball Russian (`@orama/stemmers`, whose output
 *   is the Snowball algorithm's); Arabic script → our Persian light stemmer (persian-stemmer.ts).
 *   These two packages stem a word in well under a microsecond; `snowball-stemmers`, the one
 *   package with both languages, gives the same stems but took 3–10 µs a word and ships 870 KB.
 *   Tokens that mix scripts or hold digits ("35s", "2025"), other scripts, and tokens of one or
 *   two letters come back unchanged.
 * - Snowball Russian reads the last letters of a bare masculine noun as an ending when they look
 *   like one (Иран → "ира" because of the verb ending -н, but Ираном → "иран"; Газпром → "газпр"
 *   but Газпрома → "газпром"; Лавров → "лавр" but Лаврова → "лавров"), so the nominative and the
 *   other cases of such a noun never meet. No rule can tell these nouns from the verbs and
 *   plurals the endings really belong to, so the nouns our topics name are listed in
 *   `RUSSIAN_NOUNS_SNOWBALL_SPLITS` and all their case forms stem to the nominative.
 * - Porter2 stems "ratify" to "ratifi" but "ratification" to "ratif"; the -ify verbs and their
 *   -ification nouns are joined by dropping the final i of a stem in -ifi (see `stemEnglish`).
 * - Stems are deterministic. They are not idempotent: stemToken(stemToken(x)) may differ from
 *   stemToken(x) (договоренность → "договорен" → "договор"), so a stem must never be stemmed
 *   again, or договоренность "an understanding" would meet договор "treaty".
 * - The same words repeat across articles, so stems are memoised in a Map that is emptied when it
 *   reaches its cap: bounded memory, and the common words are back in it after a few articles.
 */

import { stemmer as stemRussianSnowball } from '@orama/stemmers/russian';
import { stem as stemEnglishPorter2 } from 'porter2';
import { stemPersian } from './persian-stemmer';

/** Tokens this short are left alone: stemming them only merges unrelated words. */
const LONGEST_UNSTEMMED_TOKEN = 2;

/** How many distinct tokens the memo holds before it is emptied (a few MB at most). */
const DEFAULT_CACHED_TOKENS = 50_000;

const LATIN_WORD = /^\p{Script=Latin}+$/u;
const CYRILLIC_WORD = /^\p{Script=Cyrillic}+$/u;
const ARABIC_SCRIPT_WORD = /^\p{Script=Arabic}+$/u;

/** How a noun in `RUSSIAN_NOUNS_SNOWBALL_SPLITS` inflects, which decides its case forms. */
type RussianDeclension = 'hardMasculine' | 'masculineInShortI' | 'surnameInOv';

/**
 * Nouns (places, people, organisations, terms) our topics use whose nominative Snowball Russian
 * stems differently from their other cases (see the module comment). Add a noun here when its
 * case forms do not meet; the unit tests check that every entry needs to be here and that its
 * forms then meet.
 */
export const RUSSIAN_NOUNS_SNOWBALL_SPLITS: Readonly<Record<RussianDeclension, readonly string[]>> =
  {
    hardMasculine: [
      // Iran and its places, and the president's name in both common spellings
      'иран',
      'тегеран',
      'исфахан',
      'хорасан',
      'мазендеран',
      'хузестан',
      'гилян',
      'пезешкиан',
      'пезешкиян',
      // neighbours and the region
      'азербайджан',
      'афганистан',
      'пакистан',
      'казахстан',
      'туркменистан',
      'узбекистан',
      'таджикистан',
      'дагестан',
      'татарстан',
      'оман',
      'ливан',
      // organisations and the vocabulary of the topics
      'газпром',
      'росатом',
      'атом',
      'уран',
      'транзит',
      'саммит',
      'визит',
      'риал',
      'генерал',
      'космодром',
    ],
    masculineInShortI: ['китай'],
    surnameInOv: [
      'лавров',
      'песков',
      'рябков',
      'лихачев',
      'ушаков',
      'ульянов',
      'медведев',
      'мантуров',
    ],
  };

/**
 * The endings of each declension's case forms, singular and plural. Hard masculine nouns also get
 * the combining form in -о: "ирано-российский" is tokenised as "ирано" and "российский".
 */
const RUSSIAN_CASE_ENDINGS: Readonly<Record<RussianDeclension, readonly string[]>> = {
  hardMasculine: ['', 'а', 'у', 'ом', 'е', 'ы', 'ов', 'ам', 'ами', 'ах', 'о'],
  masculineInShortI: ['й', 'я', 'ю', 'ем', 'е', 'и', 'ев', 'ям', 'ями', 'ях'],
  surnameInOv: ['', 'а', 'у', 'ым', 'е', 'ой', 'ы', 'ых', 'ыми'],
};

/** Every case form of the listed nouns, mapped to the noun's nominative, which is its stem. */
const RUSSIAN_LISTED_FORMS: ReadonlyMap<string, string> = new Map(
  Object.entries(RUSSIAN_NOUNS_SNOWBALL_SPLITS).flatMap(([declension, nouns]) =>
    nouns.flatMap((noun) => {
      const endings = RUSSIAN_CASE_ENDINGS[declension as RussianDeclension];
      const base = declension === 'masculineInShortI' ? noun.slice(0, -1) : noun;
      return endings.map((ending): [string, string] => [base + ending, noun]);
    }),
  ),
);

/**
 * Porter2 stems of -ify verbs end in "ifi" (ratifi, verifi); those of their -ification nouns in
 * "if" (ratif, verif). The two letters before keep "ifi" itself from becoming "if".
 */
const IFY_VERB_STEM = /..ifi$/;

function stemEnglish(token: string): string {
  const stem = stemEnglishPorter2(token);
  return IFY_VERB_STEM.test(stem) ? stem.slice(0, -1) : stem;
}

function stemRussian(token: string): string {
  return RUSSIAN_LISTED_FORMS.get(token) ?? stemRussianSnowball(token);
}

function stemByScript(token: string): string {
  if (token.length <= LONGEST_UNSTEMMED_TOKEN) return token;
  if (LATIN_WORD.test(token)) return stemEnglish(token);
  if (CYRILLIC_WORD.test(token)) return stemRussian(token);
  if (ARABIC_SCRIPT_WORD.test(token)) return stemPersian(token);
  return token;
}

/**
 * A stemmer with its own memo of at most `maxCachedTokens` tokens, emptied when full. Use
 * `stemToken`; this exists so tests can watch a small memo fill up.
 */
export function createTokenStemmer(maxCachedTokens: number): (token: string) => string {
  const stems = new Map<string, string>();
  return (token) => {
    const cached = stems.get(token);
    if (cached !== undefined) return cached;
    const stem = stemByScript(token);
    if (stems.size >= maxCachedTokens) stems.clear();
    stems.set(token, stem);
    return stem;
  };
}

/**
 * The stem of one token from `tokenise()`. Two tokens count as the same word when their stems are
 * equal. Stem each token once: a stem stemmed again may change (see the module comment).
 */
export const stemToken: (token: string) => string = createTokenStemmer(DEFAULT_CACHED_TOKENS);
