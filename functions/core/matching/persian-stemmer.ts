/**
 * A light stemmer for Persian: takes the inflectional suffixes off a word so that its plural,
 * ezafe, indefinite and adjectival forms meet the bare word (تحریمهای → تحریم, روسیهای → روسیه,
 * ایرانیها → ایران). It owns only what matching needs; it is not a morphological analyser.
 *
 * No maintained JavaScript library stems Persian (Snowball's Persian stemmer is recent and in
 * none of the npm ports we use), so this one is ours, in the spirit of the published light
 * stemmers (Dolamic & Savoy's, Hazm's): suffixes only, longest first, and never a stem shorter
 * than three letters.
 *
 * Words arrive normalised by `tokenise()` (normalise-text.ts): ZWNJ removed, so "تحریم‌های" is
 * "تحریمهای"; ي/ك already ی/ک; ۀ/ة already ه; آ already ا. That shapes the rules:
 * - The suffixes are peeled from the outside in, in layers (plural, then ی, then comparative, then
 *   ات), each layer taking at most one suffix. Layers are what make همکاریهای and همکاری meet
 *   (both → همکار): a single strip per word would leave them at همکاری and همکار.
 * - Prefixes are never stripped. The verbal prefixes می/نمی could only be told apart from words
 *   that merely start with those letters (میان, میدان, میلیون, میلیارد, میزان) by the ZWNJ that
 *   normalisation has removed, and without verb-ending rules stripping them would gain nothing.
 * - The plural ان is never stripped: far more of our words end in ان than take it as a plural
 *   (ایران, تهران, آذربایجان, گیلان, اصفهان, پیمان "treaty", سازمان, میان, ناوگان, پزشکیان), and
 *   no list of protected words could be complete. Its plurals (فرماندهان, نمایندگان) stay apart
 *   from their singulars; a query can name both.
 * - Possessive pronouns (م ت ش مان تان شان) are stripped only after the plural ها, where they are
 *   unambiguous; on their own they are the last letters of too many words (سازمان, قهرمان,
 *   کشورمان "our country" is the price: it stays apart from کشور).
 * - Without the ZWNJ, هسته‌ای "nuclear" and a plural such as تحریم‌های are spelt alike (هستهای
 *   could be هست + های). Such words are read as plurals unless they are built on one of the
 *   ه-final words in `WORDS_IN_SILENT_HEH`.
 * - Arabic plurals in ات of nouns ending in ه do not meet their singular (مذاکرات → مذاکر, but
 *   مذاکره stays): putting the ه back cannot be done by rule, and dropping every final ه would
 *   join حمله "attack" with حمل "transport".
 *
 * `stemPersian(stemPersian(x))` usually equals `stemPersian(x)` but is not promised to: the
 * matcher stems each word once.
 */

import { normaliseForMatching } from './normalise-text';

/** One suffix a layer may take off. */
interface SuffixRule {
  readonly suffix: string;
  /** The fewest letters the word may keep after the suffix is taken off. */
  readonly minimumStem: number;
  /** When set, the suffix counts only after a stem ending in one of these letters. */
  readonly onlyAfter?: string;
}

/** The shortest stem any rule leaves: shorter stems would merge unrelated words. */
const MINIMUM_STEM = 3;

/**
 * Plural ها and the ezafe, indefinite or possessive that may follow it, as one suffix each,
 * longest first. هایشان etc. are ها + the possessive (with its glide ی); های is ها + ezafe
 * (تحریمهای), هایی ها + the indefinite.
 */
const PLURAL_HA: readonly SuffixRule[] = [
  { suffix: 'هایشان', minimumStem: MINIMUM_STEM },
  { suffix: 'هایتان', minimumStem: MINIMUM_STEM },
  { suffix: 'هایمان', minimumStem: MINIMUM_STEM },
  { suffix: 'هایی', minimumStem: MINIMUM_STEM },
  { suffix: 'هایش', minimumStem: MINIMUM_STEM },
  { suffix: 'هایت', minimumStem: MINIMUM_STEM },
  { suffix: 'هایم', minimumStem: MINIMUM_STEM },
  { suffix: 'های', minimumStem: MINIMUM_STEM },
  { suffix: 'ها', minimumStem: MINIMUM_STEM },
];

/**
 * The ی family: the adjectival ی (ایرانی, اقتصادی), the ezafe (شورای, دریای) and the indefinite.
 * After a long vowel ا or و it is written یی (اروپایی, دریایی, دانشجویی), so that form is tied to
 * its context. "ای" at the end is left to the bare ی: mostly it is a stem's ا plus the ezafe
 * (شورای → شورا, not شور); the ای of a ه-final word (روسیه‌ای) is handled by
 * `WORDS_IN_SILENT_HEH`, because without the ZWNJ a rule cannot tell it from a plural (ابهای is
 * آب‌های "the waters of", کرهای is کره‌ای "Korean").
 * Mapping ایرانی "Iranian" to ایران is wanted for matching; همکاری "cooperation" becoming
 * همکار "colleague" is the accepted cost of meeting همکاریهای.
 */
const YEH_SUFFIXES: readonly SuffixRule[] = [
  { suffix: 'یی', minimumStem: MINIMUM_STEM, onlyAfter: 'او' },
  { suffix: 'ی', minimumStem: MINIMUM_STEM },
];

/**
 * Comparative and superlative (بزرگتر, بزرگترین, written joined once the ZWNJ is gone). The
 * minimum stem keeps دفتر, دختر, کمتر and بهتر whole.
 */
const COMPARATIVE: readonly SuffixRule[] = [
  { suffix: 'ترین', minimumStem: MINIMUM_STEM },
  { suffix: 'تر', minimumStem: MINIMUM_STEM },
];

/**
 * The Arabic plural ات (اقدامات, تعهدات, ارتباطات, تسلیحات). It needs a four-letter stem because
 * the three-letter ones it would leave are mostly other common words: حملات "attacks" → حمل
 * "transport", مهمات "munitions" → مهم "important".
 */
const ARABIC_PLURAL: readonly SuffixRule[] = [{ suffix: 'ات', minimumStem: 4 }];

/**
 * The layers, outermost suffix first: ایرانیها loses ها, then ی; اطلاعاتی loses ی before ات is
 * looked at.
 */
const LAYERS: readonly (readonly SuffixRule[])[] = [
  PLURAL_HA,
  YEH_SUFFIXES,
  COMPARATIVE,
  ARABIC_PLURAL,
];

/**
 * Words that end like a suffix but whose shortened form is a different, common word in our news.
 * Stripping stops as soon as the word has become one of these. Names ending in ان (ایران, تهران,
 * آذربایجان) need no entry, because no rule strips ان.
 */
const PROTECTED_WORDS: ReadonlySet<string> = new Set(
  [
    'شانگهای', // Shanghai (سازمان همکاری شانگهای, the SCO), not a plural of شانگ
    'رئیسی', // Raisi, the late president; رئیس is "head", in every رئیس‌جمهور
    'ماهی', // fish (Caspian fisheries); ماه is "month"
    'نظامی', // military; نظام is "system", "regime" (نظام پرداخت, the payment system)
    'امارات', // the UAE; امار (آمار) is "statistics"
    'اطلاعات', // intelligence (وزارت اطلاعات); اطلاع is "notice"
    'صادرات', // exports; صادر is "issued" (صادر شد)
    'واردات', // imports; وارد is "entered", "arrived" (وارد تهران شد)
    'عملیات', // operations; عملی is "practical"
  ].map(normaliseForMatching),
);

/**
 * Once the ZWNJ is gone, a word in silent ه followed by ای (هسته‌ای "nuclear", روسیه‌ای) is
 * spelt like a plural in های (تحریم‌های): "هستهای" reads as هسته + ای or as هست + های. The
 * plural is the default, being open to every noun; these ه-final words of our topics take the
 * other reading, so هستهای stems to هسته and not to هست "is". An entry also covers the compounds
 * that end in it (دوجانبه, چندجانبه). Words whose plural in های is common are left out for that
 * reason: دوره (دورهای: "rounds of" talks), حرفه (حرفهای: "the words of"), نامه (نامهای: "names").
 */
const WORDS_IN_SILENT_HEH: readonly string[] = [
  'روسیه',
  'هسته',
  'منطقه',
  'رسانه',
  'ماهواره',
  'لوله',
  'جزیره',
  'خامنه', // خامنه‌ای, Khamenei
  'معاهده',
  'تفاهم‌نامه',
  'توافق‌نامه',
  'قطع‌نامه',
  'برنامه',
  'جانبه', // دوجانبه, چندجانبه, همه‌جانبه
  'بیانیه',
  'لایحه',
  'سامانه',
  'اتحادیه',
  'مذاکره',
  'مبادله',
  'معامله',
  'توسعه',
  'سرمایه',
  'حمله',
  'ماده', // the treaty's 47 articles
  'کره', // Korea
  'دهه',
].map(normaliseForMatching);

/** ای, the indefinite or adjectival ending after a silent ه, as written once the ZWNJ is gone. */
const AY_AFTER_SILENT_HEH = 'ای';

/** The ه-final word a token in ای is built on, if it is one of `WORDS_IN_SILENT_HEH`. */
function wordBeforeAy(token: string): string | undefined {
  if (!token.endsWith(AY_AFTER_SILENT_HEH)) return undefined;
  const word = token.slice(0, -AY_AFTER_SILENT_HEH.length);
  return WORDS_IN_SILENT_HEH.some((listed) => word.endsWith(listed)) ? word : undefined;
}

function takeOffOneSuffix(word: string, rules: readonly SuffixRule[]): string {
  for (const rule of rules) {
    if (!word.endsWith(rule.suffix)) continue;
    const stem = word.slice(0, -rule.suffix.length);
    if (stem.length < rule.minimumStem) continue;
    if (rule.onlyAfter !== undefined && !rule.onlyAfter.includes(stem.at(-1) ?? '')) continue;
    return stem;
  }
  return word;
}

/**
 * The stem of one normalised Persian word (see the module comment for the rules). Words of
 * three letters or fewer, and protected words, come back unchanged.
 */
export function stemPersian(token: string): string {
  const silentHehWord = wordBeforeAy(token);
  if (silentHehWord !== undefined) return silentHehWord;
  let word = token;
  for (const rules of LAYERS) {
    if (PROTECTED_WORDS.has(word)) return word;
    word = takeOffOneSuffix(word, rules);
  }
  return word;
}
