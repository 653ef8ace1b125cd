import { describe, expect, it } from 'vitest';
import { normaliseForMatching, tokenise } from '../../functions/core/matching/normalise-text';

describe('normaliseForMatching', () => {
  it.each([
    ['lower-cases Latin and Cyrillic', 'IRAN Москва', 'iran москва'],
    ['folds ё to е', 'Ёмкость ещё', 'емкость еще'],
    ['drops Russian stress accents', 'Ира́н', 'иран'],
    ['maps full-width Latin through NFKC', 'ＩＲＡＮ', 'iran'],
    ['maps Arabic presentation forms through NFKC', '\uFEDB\uFEE0\uFEE2\uFEEA', 'کلمه'],
    ['folds Arabic yeh and kaf to their Persian forms', 'علي كرمان', 'علی کرمان'],
    ['folds alef maksura and yeh with hamza to Persian yeh', 'مصطفى رئيس', 'مصطفی رییس'],
    ['folds teh marbuta and heh with yeh above to heh', 'جمهورية خانۀ', 'جمهوریه خانه'],
    ['folds hamza and madda forms of alef', 'أحمد إيران آستارا ٱلله', 'احمد ایران استارا الله'],
    ['folds waw with hamza to waw', 'مؤسسه', 'موسسه'],
    ['removes tatweel', 'تـــهران', 'تهران'],
    ['removes Arabic diacritics and the superscript alef', 'مُحَمَّد رحمٰن', 'محمد رحمن'],
    ['removes the ZWNJ so a compound is one word', 'می\u200cخواهد', 'میخواهد'],
    ['maps Persian digits to ASCII', '۴۷ ماده', '47 ماده'],
    ['maps Arabic-Indic digits to ASCII', '٢٠٢٥', '2025'],
  ])('%s', (_name, input, expected) => {
    // Act
    const normalised = normaliseForMatching(input);

    // Assess
    expect(normalised).toBe(expected);
  });

  it('gives the same text for the Arabic and Persian spellings of one word', () => {
    // Prepare
    const arabicCodePoints = 'روسيه و ايران يك كشور';
    const persianCodePoints = 'روسیه و ایران یک کشور';

    // Act & Assess
    expect(normaliseForMatching(arabicCodePoints)).toBe(normaliseForMatching(persianCodePoints));
  });
});

describe('tokenise', () => {
  it('splits on punctuation and dashes, keeping letters and digits together', () => {
    // Act
    const tokens = tokenise('Rasht–Astara railway: Su-35s, 47 articles [[1]]');

    // Assess
    expect(tokens).toEqual(['rasht', 'astara', 'railway', 'su', '35s', '47', 'articles', '1']);
  });

  it('normalises before splitting', () => {
    // Act
    const tokens = tokenise('تهران‌ – «مسکو»، Пезешкиа́н');

    // Assess
    expect(tokens).toEqual(['تهران', 'مسکو', 'пезешкиан']);
  });

  it('splits an apostrophe-s into its own token', () => {
    // Act
    const tokens = tokenise("Iran’s and Russia's");

    // Assess
    expect(tokens).toEqual(['iran', 's', 'and', 'russia', 's']);
  });

  it('treats a zero-width space as a word break', () => {
    // Act
    const tokens = tokenise('russia\u200Biran');

    // Assess
    expect(tokens).toEqual(['russia', 'iran']);
  });

  it('gives no tokens for text without letters or digits', () => {
    // Act & Assess
    expect(tokenise('')).toEqual([]);
    expect(tokenise(' — !? ')).toEqual([]);
  });
});

describe('HTML entities', () => {
  it('decodes named and numeric entities before matching', () => {
    expect(tokenise('Russia &amp; Iran: &#1048;&#1088;&#1072;&#1085; &laquo;Mir&raquo;')).toEqual([
      'russia',
      'iran',
      'иран',
      'mir',
    ]);
  });
});
