/**
 * Text normalisation for topic matching: the one place that decides when two spellings count as
 * the same word. Article text and query terms both go through it, so a query written in one
 * spelling matches the others. The languages we track are English, Russian and Persian.
 *
 * Choices worth knowing:
 * - NFKC first, so Arabic presentation forms, full-width Latin and ligatures become plain letters.
 * - Combining marks left after NFKC are dropped. For our languages they are only decoration that
 *   splits words when kept: Arabic harakat (U+064B–U+065F), the superscript alef (U+0670),
 *   Russian stress accents (U+0301), the dot Turkish İ leaves after lower-casing.
 * - Persian is written with Arabic and Persian code points interchangeably (ي/ی, ك/ک) and with
 *   optional hamza and madda, so those fold to one form. ئ folds to ی (پائیز/پاییز) and ؤ to و.
 * - Format characters (\p{Cf}) are removed. For the zero-width non-joiner (ZWNJ, U+200C) that
 *   means "می‌خواهد" becomes "میخواهد": one token, as a reader sees one word. The same word
 *   written with a space instead ("می خواهد") stays two tokens; query terms written with a ZWNJ
 *   match both spellings (see query.ts). The zero-width space (U+200B) is a word break, so it
 *   becomes a space.
 * - Persian (U+06F0–U+06F9) and Arabic-Indic (U+0660–U+0669) digits become ASCII digits.
 */

import { decodeHTML as decodeHtmlEntities } from 'entities';

const ZERO_WIDTH_SPACE = /\u200B/g;
const FORMAT_CHARACTERS = /\p{Cf}/gu;
const COMBINING_MARKS = /\p{M}/gu;
const TATWEEL = /\u0640/g;
const TOKEN = /[\p{L}\p{N}]+/gu;

/** Letters folded to one form; everything not listed is kept. */
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  ё: 'е',
  '\u064A': '\u06CC', // Arabic yeh ي → Persian yeh ی
  '\u0649': '\u06CC', // alef maksura ى → ی
  '\u0626': '\u06CC', // yeh with hamza ئ → ی
  '\u0643': '\u06A9', // Arabic kaf ك → Persian kaf ک
  '\u0629': '\u0647', // teh marbuta ة → ه
  '\u06C0': '\u0647', // heh with yeh above ۀ → ه
  '\u0623': '\u0627', // alef with hamza above أ → ا
  '\u0625': '\u0627', // alef with hamza below إ → ا
  '\u0622': '\u0627', // alef with madda آ → ا
  '\u0671': '\u0627', // alef wasla ٱ → ا
  '\u0624': '\u0648', // waw with hamza ؤ → و
};
const FOLDABLE_LETTERS = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'gu');

const PERSIAN_DIGITS = /[\u06F0-\u06F9]/g;
const ARABIC_INDIC_DIGITS = /[\u0660-\u0669]/g;

/** The text in the one spelling matching works on (see the module comment for the rules). */
export function normaliseForMatching(text: string): string {
  // Feed text is decoded when items are normalised; text from elsewhere (the CLI, the API) may
  // still carry entities such as &amp; or &#1048;.
  const decoded = text.includes('&') ? decodeHtmlEntities(text) : text;
  return decoded
    .normalize('NFKC')
    .toLowerCase()
    .replace(ZERO_WIDTH_SPACE, ' ')
    .replace(FORMAT_CHARACTERS, '')
    .replace(COMBINING_MARKS, '')
    .replace(TATWEEL, '')
    .replace(FOLDABLE_LETTERS, (letter) => LETTER_FOLDS[letter] ?? letter)
    .replace(PERSIAN_DIGITS, (digit) => String((digit.codePointAt(0) ?? 0) - 0x06f0))
    .replace(ARABIC_INDIC_DIGITS, (digit) => String((digit.codePointAt(0) ?? 0) - 0x0660));
}

/**
 * The words of a text after normalisation: maximal runs of letters and digits. Everything else
 * separates words, so "Rasht-Astara" gives "rasht", "astara" and "Су-35" gives "су", "35".
 */
export function tokenise(text: string): string[] {
  return normaliseForMatching(text).match(TOKEN) ?? [];
}
